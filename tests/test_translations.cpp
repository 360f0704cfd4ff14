#include <algorithm>

#include <QActionGroup>
#include <QDir>
#include <QFile>
#include <QLibraryInfo>
#include <QMenu>
#include <QMessageBox>
#include <QProcess>
#include <QPushButton>
#include <QRegularExpression>
#include <QSet>
#include <QSettings>
#include <QTemporaryDir>
#include <QTimer>
#include <QWidget>
#include <QXmlStreamReader>
#include <QtTest>

#include "language.h"
#include "qttestsupport.h"

// The window's translations: the .ts files in resources/translations are what lupdate makes of
// today's sources, every string translated with its placeholders and markup kept; the compiled-in
// Korean translator answers with the .ts file's text; View > Language saves the choice.
namespace {

struct TsMessage {
    QString context;
    QString source;
    QString comment;
    bool numerus = false;
    QString type;             // "unfinished", "vanished", ... or empty when done
    QStringList translations; // one, or one per numerus form
    QString key() const {
        return context + QLatin1Char('\x1f') + source + QLatin1Char('\x1f') + comment;
    }
};

QList<TsMessage> readTs(const QString& path) {
    QList<TsMessage> messages;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        qWarning("cannot read %s", qPrintable(path));
        return messages;
    }
    QXmlStreamReader xml(&file);
    QString context;
    TsMessage message;
    while (!xml.atEnd()) {
        xml.readNext();
        if (!xml.isStartElement())
            continue;
        const auto name = xml.name();
        if (name == QLatin1String("name")) {
            context = xml.readElementText();
        } else if (name == QLatin1String("message")) {
            message = TsMessage{};
            message.context = context;
            message.numerus =
                xml.attributes().value(QLatin1String("numerus")) == QLatin1String("yes");
        } else if (name == QLatin1String("source")) {
            message.source = xml.readElementText();
        } else if (name == QLatin1String("comment")) {
            message.comment = xml.readElementText();
        } else if (name == QLatin1String("translation")) {
            message.type = xml.attributes().value(QLatin1String("type")).toString();
            if (message.numerus) {
                while (xml.readNextStartElement())
                    message.translations << xml.readElementText();
            } else {
                message.translations << xml.readElementText();
            }
            messages << message;
        }
    }
    if (xml.hasError())
        qWarning("%s: %s", qPrintable(path), qPrintable(xml.errorString()));
    return messages;
}

QString repoTs(const QString& language) {
    return QStringLiteral(RESLAB_SOURCE_DIR "/resources/translations/reslab_%1.ts").arg(language);
}

// The tokens that must come through a translation unchanged, sorted: QString::arg's %1..%99,
// tr()'s %n, QProgressBar's %v %m %p, and the HTML tags.
QStringList tokens(const QString& text) {
    static const QRegularExpression pattern(
        QStringLiteral(R"(%(?:\d{1,2}|n|L\d{1,2}|v|m|p)|</?[A-Za-z][^<>]*>)"));
    QStringList found;
    for (auto it = pattern.globalMatch(text); it.hasNext();)
        found << it.next().captured();
    found.sort();
    return found;
}

// How many keyboard mnemonics ("&File", "파일(&F)") a text has; "&&" is a literal ampersand.
int mnemonics(const QString& text) {
    static const QRegularExpression pattern(QStringLiteral(R"((?<!&)&(?!&)[^\s&])"));
    int count = 0;
    for (auto it = pattern.globalMatch(text); it.hasNext(); it.next())
        ++count;
    return count;
}

const TsMessage* find(const QList<TsMessage>& messages, const char* context, const char* source) {
    for (const TsMessage& m : messages)
        if (m.context == QLatin1String(context) && m.source == QLatin1String(source))
            return &m;
    return nullptr;
}

} // namespace

class TestTranslations : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        isolateSettings(m_dir.path(), QStringLiteral("test_translations"));
    }

    void cleanup() { installTranslators(QStringLiteral("en")); }

    void upToDateAndComplete_data() {
        QTest::addColumn<QString>("language");
        QTest::newRow("ko") << QStringLiteral("ko");
        QTest::newRow("en") << QStringLiteral("en"); // the plural forms only
    }

    // tools/update-translations (lupdate over app/gui and widgets) run on a copy of the .ts finds
    // nothing the repository's file lacks and leaves nothing to translate: a tr() string added
    // without its translation fails here.
    void upToDateAndComplete() {
        QFETCH(QString, language);
        const QString copy = m_dir.filePath(QStringLiteral("reslab_%1.ts").arg(language));
        QFile::remove(copy);
        QVERIFY(QFile::copy(repoTs(language), copy));
        QFile::setPermissions(copy, QFile::ReadOwner | QFile::WriteOwner);
        QProcess lupdate;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("LUPDATE"), QStringLiteral(RESLAB_LUPDATE));
        lupdate.setProcessEnvironment(env);
        lupdate.setProcessChannelMode(QProcess::MergedChannels);
        lupdate.start(QStringLiteral(RESLAB_SOURCE_DIR "/tools/update-translations"), {copy});
        QVERIFY(lupdate.waitForFinished(120000));
        const QString log = QString::fromLocal8Bit(lupdate.readAll());
        QVERIFY2(lupdate.exitStatus() == QProcess::NormalExit && lupdate.exitCode() == 0,
                 qPrintable(log));

        const QList<TsMessage> repo = readTs(repoTs(language));
        const QList<TsMessage> updated = readTs(copy);
        QVERIFY(!repo.isEmpty());
        QVERIFY(!updated.isEmpty());
        QSet<QString> repoKeys, updatedKeys;
        for (const TsMessage& m : repo)
            repoKeys << m.key();
        QStringList added, unfinished, empty;
        for (const TsMessage& m : updated) {
            updatedKeys << m.key();
            const QString where = QStringLiteral("%1: \"%2\"").arg(m.context, m.source);
            if (!repoKeys.contains(m.key()))
                added << where;
            if (!m.type.isEmpty())
                unfinished << where + QStringLiteral(" (%1)").arg(m.type);
            if (m.translations.isEmpty() ||
                std::any_of(m.translations.begin(), m.translations.end(),
                            [](const QString& t) { return t.trimmed().isEmpty(); }))
                empty << where;
        }
        const QString fix = QStringLiteral("\nRun tools/update-translations and translate them in "
                                           "resources/translations/reslab_%1.ts.")
                                .arg(language);
        QVERIFY2(added.isEmpty(), qPrintable(QStringLiteral("strings the .ts lacks:\n  ") +
                                             added.join("\n  ") + fix));
        QVERIFY2(unfinished.isEmpty(),
                 qPrintable(QStringLiteral("not translated:\n  ") + unfinished.join("\n  ") + fix));
        QVERIFY2(empty.isEmpty(),
                 qPrintable(QStringLiteral("empty translations:\n  ") + empty.join("\n  ") + fix));
        for (const TsMessage& m : repo)
            if (!updatedKeys.contains(m.key()))
                qWarning("no longer in the sources (tools/update-translations drops it): %s: %s",
                         qPrintable(m.context), qPrintable(m.source));
    }

    // Every placeholder and tag of a source string is in its translation, as many times; a
    // mnemonic ("&File") stays one mnemonic ("파일(&F)").
    void placeholdersAndTagsKept() {
        QStringList wrong;
        for (const QString& language : {QStringLiteral("ko"), QStringLiteral("en")}) {
            for (const TsMessage& m : readTs(repoTs(language))) {
                const QStringList expected = tokens(m.source);
                const int expectedMnemonics = mnemonics(m.source) > 0 ? 1 : 0;
                for (const QString& t : m.translations) {
                    if (tokens(t) != expected)
                        wrong << QStringLiteral("%1 %2: \"%3\" has %4, \"%5\" has %6")
                                     .arg(language, m.context, m.source,
                                          expected.join(QLatin1Char(' ')), t,
                                          tokens(t).join(QLatin1Char(' ')));
                    if (mnemonics(t) != expectedMnemonics)
                        wrong << QStringLiteral("%1 %2: \"%3\": %4 mnemonics in \"%5\"")
                                     .arg(language, m.context, m.source)
                                     .arg(mnemonics(t))
                                     .arg(t);
                }
            }
        }
        QVERIFY2(wrong.isEmpty(), qPrintable(wrong.join(QLatin1Char('\n'))));
    }

    // installTranslators("ko") answers with the Korean of the .ts, compiled in (no file beside
    // the program), and makes Korean the default locale; "en" gives the English plural forms.
    void koreanTranslatorAnswers() {
        const QList<TsMessage> ko = readTs(repoTs(QStringLiteral("ko")));
        QCOMPARE(installTranslators(QStringLiteral("ko")), QStringLiteral("ko"));
        QCOMPARE(installedLanguage(), QStringLiteral("ko"));
        QCOMPARE(QLocale().language(), QLocale::Korean);
        const std::pair<const char*, const char*> known[] = {{"MainWindow", "&File"},
                                                             {"MainWindow", "Lesion study"},
                                                             {"CurvesView", "training error"},
                                                             {"RunListView", "Test error"},
                                                             {"Language", "&Language"}};
        for (const auto& [context, source] : known) {
            const TsMessage* m = find(ko, context, source);
            QVERIFY2(m, source);
            QCOMPARE(QCoreApplication::translate(context, source), m->translations.front());
            QVERIFY(QCoreApplication::translate(context, source) != QLatin1String(source));
        }
        const TsMessage* runs = find(ko, "MainWindow", "Training %n run(s): %1");
        QVERIFY(runs);
        QCOMPARE(runs->translations.size(), 1); // Korean has one form
        QCOMPARE(QCoreApplication::translate("MainWindow", "Training %n run(s): %1", nullptr, 3),
                 QString(runs->translations.front()).replace(QLatin1String("%n"), "3"));

        // A locale name and a language ResLab lacks.
        QCOMPARE(installTranslators(QStringLiteral("ko_KR")), QStringLiteral("ko"));
        bool isKnown = true;
        QCOMPARE(installTranslators(QStringLiteral("fr"), &isKnown), QStringLiteral("en"));
        QVERIFY(!isKnown);
        QCOMPARE(QCoreApplication::translate("MainWindow", "&File"), QStringLiteral("&File"));

        QCOMPARE(installTranslators(QStringLiteral("en")), QStringLiteral("en"));
        QCOMPARE(installedLanguage(), QStringLiteral("en"));
        QCOMPARE(QLocale().language(), QLocale::English);
        QCOMPARE(QCoreApplication::translate("MainWindow", "Training %n run(s): %1", nullptr, 1),
                 QStringLiteral("Training 1 run: %1"));
        QCOMPARE(QCoreApplication::translate("MainWindow", "Training %n run(s): %1", nullptr, 4),
                 QStringLiteral("Training 4 runs: %1"));
    }

    // A tool button's text without the mnemonic, in both forms.
    void withoutMnemonicStripsBothForms() {
        QCOMPARE(withoutMnemonic(QStringLiteral("&Start")), QStringLiteral("Start"));
        QCOMPARE(withoutMnemonic(QStringLiteral("S&top")), QStringLiteral("Stop"));
        QCOMPARE(withoutMnemonic(QStringLiteral("시작(&S)")), QStringLiteral("시작"));
        QCOMPARE(withoutMnemonic(QStringLiteral("실행 폴더 열기(&O)…")),
                 QStringLiteral("실행 폴더 열기…"));
        QCOMPARE(withoutMnemonic(QStringLiteral("A && B")), QStringLiteral("A & B"));
    }

    // Qt's own Korean (Debian's qt6-translations-l10n) for the standard buttons, where installed.
    void qtbaseKoreanWhereInstalled() {
        const QString dir = QLibraryInfo::path(QLibraryInfo::TranslationsPath);
        if (!QFile::exists(dir + QStringLiteral("/qtbase_ko.qm")))
            QSKIP("qtbase_ko.qm is not installed (qt6-translations-l10n)");
        installTranslators(QStringLiteral("ko"));
        QCOMPARE(QCoreApplication::translate("QPlatformTheme", "Cancel"), QStringLiteral("취소"));
    }

    // View > Language: English and 한국어, exclusive, the installed one checked; a choice is saved
    // for the next start and the user is told so in both languages (here: "Later").
    void languageMenuSavesTheChoice() {
        installTranslators(QStringLiteral("en"));
        QWidget window;
        QMenu view;
        addLanguageMenu(&view, &window);
        auto* english = view.findChild<QAction*>(QStringLiteral("Language_en"));
        auto* korean = view.findChild<QAction*>(QStringLiteral("Language_ko"));
        QVERIFY(english && korean);
        QCOMPARE(korean->text(), QStringLiteral("한국어"));
        QVERIFY(english->isCheckable() && english->isChecked() && !korean->isChecked());
        QVERIFY(korean->actionGroup() && korean->actionGroup()->isExclusive());

        QString shown;
        QTimer::singleShot(0, this, [&shown] {
            auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
            if (!box)
                return;
            shown = box->text();
            for (QAbstractButton* b : box->buttons())
                if (b->text().startsWith(QLatin1String("Later")))
                    b->click();
        });
        korean->trigger();
        QVERIFY2(shown.contains(QStringLiteral("Korean")) &&
                     shown.contains(QStringLiteral("한국어")),
                 qPrintable(shown));
        QVERIFY(korean->isChecked() && !english->isChecked());
        QCOMPARE(QSettings().value(QStringLiteral("ui/language")).toString(), QStringLiteral("ko"));
        QCOMPARE(chosenLanguage(QString()), QStringLiteral("ko"));
        QCOMPARE(chosenLanguage(QStringLiteral("en")), QStringLiteral("en")); // --lang first
    }
};

QTEST_MAIN(TestTranslations)
#include "test_translations.moc"
