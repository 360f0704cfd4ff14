#include "language.h"

#include <utility>

#include <QActionGroup>
#include <QCoreApplication>
#include <QDir>
#include <QLibraryInfo>
#include <QList>
#include <QLocale>
#include <QMenu>
#include <QMessageBox>
#include <QProcess>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QTranslator>
#include <QWidget>

namespace {

const QString kLanguageKey = QStringLiteral("ui/language");

// What the last installTranslators call installed, so that a second call replaces it.
QList<QTranslator*> g_translators;
QString g_installed;

// "ko", "ko_KR", "ko-KR" -> "ko"; a language ResLab has no translation for -> empty.
QString resolve(const QString& name) {
    const QString code = QLocale::languageToCode(QLocale(name).language());
    return availableLanguages().contains(code) ? code : QString();
}

// The locale numbers follow: the system's where it speaks that language (en_GB stays en_GB),
// else the language's main one.
QLocale localeFor(const QString& code) {
    const QLocale system = QLocale::system();
    if (QLocale::languageToCode(system.language()) == code)
        return system;
    return code == QLatin1String("ko") ? QLocale(QLocale::Korean, QLocale::SouthKorea)
                                       : QLocale(QLocale::English, QLocale::UnitedStates);
}

void install(const QString& file, const QString& directory) {
    auto* translator = new QTranslator(QCoreApplication::instance());
    if (translator->load(file, directory) && QCoreApplication::installTranslator(translator)) {
        g_translators << translator;
    } else {
        delete translator;
    }
}

// The language's own name and, for the message about the next start, its name in English and in
// Korean: the message is written in both, as the user may read only one of them.
struct LanguageNames {
    QString own, english, korean;
};

LanguageNames namesOf(const QString& code) {
    if (code == QLatin1String("ko"))
        return {QStringLiteral("한국어"), QStringLiteral("Korean"), QStringLiteral("한국어")};
    return {QStringLiteral("English"), QStringLiteral("English"), QStringLiteral("영어")};
}

// The program's arguments without --lang, which would otherwise override the saved choice.
QStringList argumentsWithoutLanguage() {
    QStringList args = QCoreApplication::arguments().mid(1);
    for (int i = 0; i < args.size();) {
        if (args[i] == QLatin1String("--lang") || args[i] == QLatin1String("-lang"))
            args.remove(i, qMin(2, args.size() - i));
        else if (args[i].startsWith(QLatin1String("--lang=")))
            args.remove(i);
        else
            ++i;
    }
    return args;
}

void offerRestart(QWidget* window, const QString& code) {
    const LanguageNames names = namesOf(code);
    const QString english =
        QStringLiteral("ResLab uses %1 from its next start. Restart it now?").arg(names.english);
    const QString korean =
        QStringLiteral("ResLab은 다음 실행부터 %1로 표시됩니다. 지금 다시 시작할까요?")
            .arg(names.korean);
    QMessageBox box(QMessageBox::Question, QStringLiteral("ResLab"),
                    code == QLatin1String("ko") ? korean + QStringLiteral("\n\n") + english
                                                : english + QStringLiteral("\n\n") + korean,
                    QMessageBox::NoButton, window);
    box.setObjectName(QStringLiteral("LanguageRestartQuestion"));
    QPushButton* restart =
        box.addButton(QStringLiteral("Restart now / 지금 다시 시작"), QMessageBox::AcceptRole);
    box.addButton(QStringLiteral("Later / 나중에"), QMessageBox::RejectRole);
    box.setDefaultButton(restart);
    box.exec();
    if (box.clickedButton() != restart)
        return;
    // The new process starts once this one has quit, after the window has saved its settings;
    // a window that closes only when its training has stopped restarts then. (Where the user
    // declines to stop the training, the restart stays due for when ResLab closes.)
    const QString program = QCoreApplication::applicationFilePath();
    const QStringList args = argumentsWithoutLanguage();
    const QString folder = QDir::currentPath();
    QObject::connect(qApp, &QCoreApplication::aboutToQuit, qApp, [program, args, folder] {
        if (!QProcess::startDetached(program, args, folder))
            qWarning("reslab: cannot restart %s", qPrintable(program));
    });
    window->close();
}

} // namespace

QStringList availableLanguages() {
    return {QStringLiteral("en"), QStringLiteral("ko")};
}

QString chosenLanguage(const QString& option) {
    if (!option.isEmpty())
        return option;
    return QSettings().value(kLanguageKey).toString();
}

QString installTranslators(const QString& language, bool* known) {
    QString code = resolve(language);
    if (known)
        *known = language.isEmpty() || !code.isEmpty();
    if (language.isEmpty()) {
        for (const QString& name : QLocale::system().uiLanguages()) {
            code = resolve(name);
            if (!code.isEmpty())
                break;
        }
    }
    if (code.isEmpty())
        code = QStringLiteral("en");

    for (QTranslator* translator : std::as_const(g_translators)) {
        QCoreApplication::removeTranslator(translator);
        delete translator;
    }
    g_translators.clear();
    // reslab_en holds the English plural forms ("1 run", "2 runs").
    install(QStringLiteral("reslab_") + code, QStringLiteral(":/i18n"));
    // Qt's own, for the buttons of standard dialogs (Debian's qt6-translations-l10n); English
    // needs none.
    if (code != QLatin1String("en"))
        install(QStringLiteral("qtbase_") + code,
                QLibraryInfo::path(QLibraryInfo::TranslationsPath));
    QLocale::setDefault(localeFor(code));
    g_installed = code;
    return code;
}

QString installedLanguage() {
    return g_installed.isEmpty() ? QStringLiteral("en") : g_installed;
}

QString withoutMnemonic(const QString& text) {
    static const QRegularExpression cjk(QStringLiteral(R"(\s*\(&[^&\s]\))"));
    QString plain = text;
    plain.remove(cjk);
    for (int i = 0; i < plain.size(); ++i) {
        if (plain[i] == QLatin1Char('&'))
            plain.remove(i, 1); // "&&" keeps its second '&'
    }
    return plain;
}

void addLanguageMenu(QMenu* viewMenu, QWidget* window) {
    QMenu* menu = viewMenu->addMenu(QCoreApplication::translate("Language", "&Language"));
    menu->setObjectName(QStringLiteral("LanguageMenu"));
    auto* group = new QActionGroup(menu);
    group->setExclusive(true);
    const QString current = installedLanguage();
    for (const QString& code : availableLanguages()) {
        QAction* action = menu->addAction(namesOf(code).own);
        action->setObjectName(QStringLiteral("Language_") + code);
        action->setCheckable(true);
        action->setChecked(code == current);
        group->addAction(action);
        QObject::connect(action, &QAction::triggered, window, [window, code, current] {
            QSettings().setValue(kLanguageKey, code);
            if (code != current)
                offerRestart(window, code);
        });
    }
}
