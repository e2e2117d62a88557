#!/usr/bin/env bash
# Regenerate the interface translations after changing strings in mediarec/ui/.
#   1. lupdate collects every self.tr() / QCoreApplication.translate() string into the .ts file;
#   2. translate the new (unfinished) entries, e.g. in Qt Linguist: .venv/bin/pyside6-linguist resources/i18n/mediarec_zh_CN.ts
#   3. lrelease compiles the .ts into the .qm that the app loads.
# Commit both files. tests/test_ui_settings.py fails while a string is untranslated.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=".venv/bin"
"$bin/pyside6-lupdate" mediarec/ui/*.py -ts resources/i18n/mediarec_zh_CN.ts \
    -source-language en -target-language zh_CN -no-obsolete
"$bin/pyside6-lrelease" resources/i18n/mediarec_zh_CN.ts -qm resources/i18n/mediarec_zh_CN.qm
