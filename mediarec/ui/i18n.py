"""Interface language: English source strings, with Qt translation files under resources/i18n/.

The language comes from the config ("language" = "en", "zh_CN", or empty for the system locale). Qt's own
translations (standard buttons, file dialogs) are loaded beside mediarec's when Qt ships them.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

import mediarec

TRANSLATIONS_DIR = Path(mediarec.__file__).resolve().parent.parent / "resources" / "i18n"
CATALOG = "mediarec"
# Language code -> its own name (shown in the settings, so each is readable by those who speak it).
LANGUAGES = {"en": "English", "zh_CN": "简体中文"}


def locale_for(language: str) -> QLocale:
    return QLocale(language) if language else QLocale.system()


def install_translators(application: QCoreApplication, language: str = "") -> list[QTranslator]:
    """Load mediarec's and Qt's translations for ``language`` (or the system locale); keep the result alive."""
    locale = locale_for(language)
    installed = []
    own = QTranslator(application)
    if own.load(locale, CATALOG, "_", str(TRANSLATIONS_DIR)):
        application.installTranslator(own)
        installed.append(own)
    qt_base = QTranslator(application)
    if qt_base.load(locale, "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        application.installTranslator(qt_base)
        installed.append(qt_base)
    QLocale.setDefault(locale)
    return installed


def remove_translators(application: QCoreApplication, translators: list[QTranslator]) -> None:
    for translator in translators:
        application.removeTranslator(translator)
