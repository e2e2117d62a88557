; Inno Setup script: packs the PyInstaller one-folder app into mediarec-VERSION-setup.exe.
;
; On Windows 10/11 (x64), from the repository root:
;   py -3.11 -m venv .venv
;   .venv\Scripts\pip install torch torchvision        (for an NVIDIA GPU: PyTorch's CUDA wheels, see its install page)
;   .venv\Scripts\pip install -e ".[gui,offline,build]"
;   .venv\Scripts\pyinstaller --noconfirm --distpath dist --workpath build\pyinstaller installers\mediarec.spec
;   "%ProgramFiles(x86)%\Inno Setup 6\ISCC.exe" installers\windows\mediarec.iss
; gives dist\mediarec-0.1.0-setup.exe. Not built or run here: see installers/macos/README.md and the README's
; Install section for what was and was not checked on each platform.
;
; Installed per user by default (no administrator prompt; %LOCALAPPDATA%\Programs\mediarec), or for all users
; when the installer is run as administrator. Uninstalling removes the program only: the library (database,
; thumbnails, downloaded models) lives under %LOCALAPPDATA%\mediarec and is kept.

#define AppName "mediarec"
#define AppVersion "0.1.0"
#define AppId "org.mediarec.MediaRec"
#define BundleDir "..\..\dist\mediarec"

[Setup]
; AppId must never change between releases: upgrades find the installed copy by it.
AppId={{8C4B5E0A-6F1D-4C7B-9A51-3E2D7F0B9C61}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=mediarec
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=mediarec-{#AppVersion}-setup
SetupIconFile=..\..\resources\icons\mediarec.ico
UninstallDisplayIcon={app}\mediarecw.exe
; torch and Qt make the folder a few GB; lzma2 in solid mode packs it best.
Compression=lzma2/max
SolidCompression=yes
LZMAUseSeparateProcess=yes
WizardStyle=modern
ChangesEnvironment=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"
; Chinese (Simplified) is not among Inno Setup's official translations; add the community file
; ChineseSimplified.isl to the compiler's Languages folder and uncomment:
; Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "addtopath"; Description: "Add mediarec to PATH (for the command line: mediarec search ...)"; Flags: unchecked

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
; mediarecw.exe: the window without a console; mediarec.exe is the command line (and runs the helper processes).
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\mediarecw.exe"; Parameters: "gui"; AppUserModelID: "{#AppId}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\mediarecw.exe"; Parameters: "gui"; Tasks: desktopicon

[Registry]
; The user's PATH (HKCU) or, installed for all users, the machine's; removed again on uninstall.
Root: HKA; Subkey: "{code:EnvironmentKey}"; ValueType: expandsz; ValueName: "Path"; ValueData: "{olddata};{app}"; \
  Tasks: addtopath; Check: NeedsAddPath(ExpandConstant('{app}'))

[Run]
Filename: "{app}\mediarecw.exe"; Parameters: "gui"; Description: "{cm:LaunchProgram,{#AppName}}"; \
  Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Only what the program itself writes next to it (Python caches); never the library under %LOCALAPPDATA%.
Type: filesandordirs; Name: "{app}\_internal\__pycache__"

[Code]
function EnvironmentKey(Param: String): String;
begin
  if IsAdminInstallMode then
    Result := 'SYSTEM\CurrentControlSet\Control\Session Manager\Environment'
  else
    Result := 'Environment';
end;

function NeedsAddPath(Folder: String): Boolean;
var
  Paths: String;
begin
  if not RegQueryStringValue(HKA, EnvironmentKey(''), 'Path', Paths) then
  begin
    Result := True;
    exit;
  end;
  Result := Pos(';' + Uppercase(Folder) + ';', ';' + Uppercase(Paths) + ';') = 0;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  Paths, Folder: String;
  At: Integer;
begin
  if CurUninstallStep <> usPostUninstall then
    exit;
  if not RegQueryStringValue(HKA, EnvironmentKey(''), 'Path', Paths) then
    exit;
  Folder := ';' + ExpandConstant('{app}');
  At := Pos(Uppercase(Folder), Uppercase(Paths));
  if At > 0 then
  begin
    Delete(Paths, At, Length(Folder));
    RegWriteExpandStringValue(HKA, EnvironmentKey(''), 'Path', Paths);
  end;
end;
