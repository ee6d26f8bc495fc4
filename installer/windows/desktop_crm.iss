; Inno Setup script for Desktop CRM (built by installer/build.py on Windows).
; Per-user install (no administrator rights), Russian, Italian and English installer languages,
; Start menu entry; uninstalling keeps the user's data (the database lives in %LOCALAPPDATA%).
#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\desktop-crm"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif

[Setup]
AppId={{6F1C2A7E-4B1D-4E8B-9A3C-2D7B5E1F0C42}
AppName=Desktop CRM
AppVersion={#AppVersion}
AppPublisher=Desktop CRM
DefaultDirName={localappdata}\Programs\Desktop CRM
DefaultGroupName=Desktop CRM
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
OutputDir={#OutputDir}
OutputBaseFilename=DesktopCRM-{#AppVersion}-setup
SetupIconFile=..\..\build\desktop-crm.ico
UninstallDisplayIcon={app}\desktop-crm.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
ShowLanguageDialog=auto

[Languages]
Name: "en"; MessagesFile: "compiler:Default.isl"
Name: "ru"; MessagesFile: "compiler:Languages\Russian.isl"
Name: "it"; MessagesFile: "compiler:Languages\Italian.isl"

[CustomMessages]
en.LaunchApp=Start Desktop CRM
ru.LaunchApp=Запустить Desktop CRM
it.LaunchApp=Avvia Desktop CRM
en.DesktopIcon=Create a desktop shortcut
ru.DesktopIcon=Создать значок на рабочем столе
it.DesktopIcon=Crea un collegamento sul desktop

[Tasks]
Name: "desktopicon"; Description: "{cm:DesktopIcon}"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Desktop CRM"; Filename: "{app}\desktop-crm.exe"
Name: "{group}\{cm:UninstallProgram,Desktop CRM}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\Desktop CRM"; Filename: "{app}\desktop-crm.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\desktop-crm.exe"; Description: "{cm:LaunchApp}"; Flags: nowait postinstall skipifsilent

; No [UninstallDelete] for the data folder: the user's database and documents stay.
