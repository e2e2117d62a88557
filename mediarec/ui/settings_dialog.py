"""Settings: watched folders, compute device, model per role, interface language.

Models are shown by what they are ("Whisper base, many languages"), not by package, folder or library id; a GPU is
offered when this computer has one (asked once, in a child process: see setup.find_gpu)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mediarec.app.setup import AppPreferences, current_preferences
from mediarec.config import Settings
from mediarec.ui.formatting import backend_label, model_label, role_label
from mediarec.ui.i18n import LANGUAGES


class FolderList(QWidget):
    """A list of folders with Add… and Remove (shared by the settings and the welcome dialog)."""

    def __init__(self, folders: Sequence[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.list = QListWidget(self)
        self.list.addItems([str(folder) for folder in folders])
        self.list.setMinimumHeight(90)
        self.list.setMaximumHeight(150)
        self.add_button = QPushButton(self.tr("Add folder…"), self)
        self.add_button.clicked.connect(self._choose)
        self.remove_button = QPushButton(self.tr("Remove"), self)
        self.remove_button.clicked.connect(self._remove)
        self.remove_button.setEnabled(False)
        self.list.itemSelectionChanged.connect(
            lambda: self.remove_button.setEnabled(bool(self.list.selectedItems()))
        )
        buttons = QVBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)

    def folders(self) -> list[str]:
        return [self.list.item(row).text() for row in range(self.list.count())]

    def add_folder(self, folder: str) -> None:
        if folder and folder not in self.folders():
            self.list.addItem(folder)

    def _choose(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Choose a folder to watch"))
        self.add_folder(folder)

    def _remove(self) -> None:
        for item in self.list.selectedItems():
            self.list.takeItem(self.list.row(item))


class SettingsDialog(QDialog):
    def __init__(
        self,
        settings: Settings,
        folders: Sequence[str],
        parent: QWidget | None = None,
        *,
        gpu: str | None = None,
    ):
        """``gpu``: "cuda" or "mps" when this computer has one, "" when it has none, None when that is not known
        yet (offer_gpu tells the dialog later)."""
        super().__init__(parent)
        from mediarec.models.catalogue import BACKENDS, OPTIONAL_ROLES, PROFILES, ROLES

        self.setWindowTitle(self.tr("Settings"))
        self.setMinimumWidth(860)  # room for the models' names in the fields
        self._settings = settings
        preferences = current_preferences(settings)
        self.opened_with = preferences  # what the dialog showed: only what differs from it is saved

        self.folder_list = FolderList(folders, self)
        folders_box = QGroupBox(self.tr("Watched folders"), self)
        QVBoxLayout(folders_box).addWidget(self.folder_list)

        self.device = QComboBox(self)
        self.device.addItem(self.tr("Automatic (the graphics card when there is one)"), "auto")
        self.device.addItem(self.tr("Processor (CPU)"), "cpu")
        if preferences.device in ("cuda", "mps"):  # chosen before: shown, even where it is not found
            self._add_gpu(preferences.device, found=gpu is None or gpu == preferences.device)
        self.offer_gpu(gpu)
        _select(self.device, preferences.device)

        self.language = QComboBox(self)
        self.language.addItem(self.tr("System language"), "")
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        _select(self.language, preferences.language)

        self.profile = QComboBox(self)
        profile_labels = {
            "default": self.tr("Best quality (downloaded on first use)"),
            "offline": self.tr("Offline (installed with mediarec, smaller)"),
        }
        for name in PROFILES:
            self.profile.addItem(profile_labels.get(name, name), name)
        _select(self.profile, preferences.profile)
        self.profile.currentIndexChanged.connect(self._show_profile_models)

        general = QFormLayout()
        general.addRow(self.tr("Compute on:"), self.device)
        general.addRow(self.tr("Interface language:"), self.language)
        general_box = QGroupBox(self.tr("General"), self)
        general_box.setLayout(general)

        models = QFormLayout()
        models.addRow(self.tr("Model set:"), self.profile)
        self.model_backends: dict[str, QComboBox] = {}
        self.model_names: dict[str, QLineEdit] = {}
        self.model_folder_buttons: dict[str, QPushButton] = {}
        for role in (*ROLES, *OPTIONAL_ROLES):
            backend = QComboBox(self)
            backend.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            for name, known in BACKENDS.items():
                if known.role == role:
                    backend.addItem(backend_label(name), name)
            backend.setToolTip(self.tr("The kind of model, for a model of your own"))
            name_field = QLineEdit(self)
            name_field.setText(preferences.model_names.get(role, ""))
            name_field.setToolTip(
                self.tr(
                    "Another model: its name on the Hugging Face model hub, or a folder on this computer with its "
                    "files. Empty: the model set's own (shown in grey)."
                )
            )
            folder_button = QPushButton(self.tr("Folder…"), self)
            folder_button.setToolTip(self.tr("Use a model from a folder on this computer"))
            folder_button.clicked.connect(lambda _checked=False, role=role: self._choose_model_folder(role))
            _select(backend, preferences.model_backends.get(role, ""))
            row = QHBoxLayout()
            row.addWidget(backend)
            row.addWidget(name_field, 1)
            row.addWidget(folder_button)
            models.addRow(role_label(role) + ":", row)
            self.model_backends[role] = backend
            self.model_names[role] = name_field
            self.model_folder_buttons[role] = folder_button
        width = max(combo.sizeHint().width() for combo in self.model_backends.values())
        for combo in self.model_backends.values():
            combo.setFixedWidth(width)  # the name fields line up, and each kind's name shows whole
        models_box = QGroupBox(self.tr("Models"), self)
        models_box.setLayout(models)
        self._show_profile_models()

        note = QLabel(
            self.tr(
                "Changing the device, models or language reopens the window to apply them (playback stops; "
                "indexing carries on where it was)."
            )
        )
        note.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(folders_box)
        layout.addWidget(general_box)
        layout.addWidget(models_box)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def _show_profile_models(self) -> None:
        """Each name field shows, greyed, the model the chosen profile would use."""
        from mediarec.models.catalogue import PROFILES

        profile = PROFILES[self.profile.currentData()]
        for role, field in self.model_names.items():
            spec = profile.get(role)
            if spec is None:  # an optional role (image_labels) this model set leaves out
                field.setPlaceholderText(self.tr("None in this model set"))
                continue
            field.setPlaceholderText(model_label(spec.backend, spec.name))
            if not field.text():
                _select(self.model_backends[role], spec.backend)

    def _choose_model_folder(self, role: str) -> None:
        title = self.tr("Choose the folder with the model for: %1").replace("%1", role_label(role))
        folder = QFileDialog.getExistingDirectory(self, title)
        if folder:
            self.model_names[role].setText(folder)

    # -- the compute device ------------------------------------------------------------------------------------

    def offer_gpu(self, gpu: str | None) -> None:
        """What this computer has: "cuda" or "mps" is offered; "" (none) marks a GPU chosen before as not found;
        None (not known yet) changes nothing."""
        if gpu is None:
            return
        for value in ("cuda", "mps"):
            index = self.device.findData(value)
            if index >= 0:
                self.device.setItemText(index, self._gpu_label(value, found=value == gpu))
        if gpu in ("cuda", "mps") and self.device.findData(gpu) < 0:
            self._add_gpu(gpu, found=True)

    def _add_gpu(self, gpu: str, *, found: bool) -> None:
        self.device.addItem(self._gpu_label(gpu, found=found), gpu)

    def _gpu_label(self, gpu: str, *, found: bool) -> str:
        label = self.tr("Graphics card (NVIDIA)") if gpu == "cuda" else self.tr("Graphics card (Apple)")
        if not found:
            label += " " + self.tr("(not found on this computer)")
        return label

    def folders(self) -> list[str]:
        return self.folder_list.folders()

    def preferences(self) -> AppPreferences:
        return AppPreferences(
            device=self.device.currentData(),
            profile=self.profile.currentData(),
            language=self.language.currentData(),
            model_names={role: field.text().strip() for role, field in self.model_names.items()},
            model_backends={role: combo.currentData() for role, combo in self.model_backends.items()},
        )

    def accept(self) -> None:
        from mediarec.models.base import ModelError
        from mediarec.models.catalogue import resolve_specs

        preferences = self.preferences()
        overrides = {
            role: {"backend": preferences.model_backends[role], "name": name}
            for role, name in preferences.model_names.items()
            if name
        }
        try:
            resolve_specs(preferences.profile, overrides)
        except ModelError as error:
            QMessageBox.warning(self, self.tr("This model choice does not work"), str(error))
            return
        super().accept()


def _select(combo: QComboBox, value: str) -> None:
    index = combo.findData(value)
    if index >= 0:
        combo.setCurrentIndex(index)
