#pragma once

#include <QString>
#include <QStringList>

class QMenu;
class QWidget;

// The window's language: ResLab's own translations (resources/translations/reslab_<code>.ts,
// compiled in under :/i18n) and Qt's for the standard dialogs' buttons, where installed.

/// The languages ResLab is translated into, as codes: "en", "ko".
QStringList availableLanguages();

/// The language the window starts in: `option` (--lang) when given, else the one saved from
/// View > Language (QSettings "ui/language"), else empty (the system's).
QString chosenLanguage(const QString& option);

/// Installs the translators for `language` ("en", "ko", a locale name such as "ko_KR", or empty
/// for the system's first UI language ResLab has) and makes it QLocale's default, replacing
/// those a previous call installed. Returns the code installed; a language ResLab lacks falls back
/// to "en", and *known (when given) says whether `language` was one it has.
QString installTranslators(const QString& language, bool* known = nullptr);

/// The code the last installTranslators call installed ("en" before any): the language to pick
/// among a document's own texts (a lesson's "en" and "ko").
QString installedLanguage();

/// `text` without its mnemonic, for a tool button or a tooltip: "&Start" gives "Start", and the
/// Korean form "시작(&S)" gives "시작" (QAction's own stripping leaves "시작(S)").
QString withoutMnemonic(const QString& text);

/// Adds Language > English / 한국어 to `viewMenu`: the choice is saved for the next start, and
/// the user is offered to restart `window`'s program now in it.
void addLanguageMenu(QMenu* viewMenu, QWidget* window);
