// The degradation verdict: what it claims must follow from the numbers it is given.
#include <QtTest>

#include <QRegularExpression>

#include "train/verdict.h"

using namespace reslab;

namespace {

RunOutcome
outcome(const std::string& name, int64_t depth, bool residual, double error, bool finished = true) {
    RunOutcome o;
    o.name = name;
    o.depth = depth;
    o.residual = residual;
    o.train_error = error;
    o.finished = finished;
    return o;
}

bool has(const std::string& text, const char* part) {
    return text.find(part) != std::string::npos;
}

} // namespace

class TestVerdict : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void showsTheEffect() {
        // The issue's example: plain-56 14.2%, plain-20 10.1%, resnet-56 8.9%, resnet-20 9.3%.
        const std::string text = degradation_verdict(
            {outcome("plain20", 20, false, 0.101), outcome("plain56", 56, false, 0.142),
             outcome("resnet20", 20, true, 0.093), outcome("resnet56", 56, true, 0.089)});
        QVERIFY2(has(text, "plain56 ends at 14.2%"), text.c_str());
        QVERIFY2(has(text, "plain20 at 10.1%"), text.c_str());
        QVERIFY2(has(text, "trains worse"), text.c_str());
        QVERIFY2(has(text, "resnet56 ends at 8.9%"), text.c_str());
        QVERIFY2(has(text, "depth helps"), text.c_str());
        QVERIFY2(!has(text, "do not show"), text.c_str());
    }

    void aTieToTheDecimalIsNoHelp() {
        // 11.68% against 11.68% (seed 0 of the preset): both print as 11.7%, so depth "no longer
        // hurts"; it does not "help".
        const std::string text = degradation_verdict(
            {outcome("plain20", 20, false, 0.1397), outcome("plain56", 56, false, 0.2840),
             outcome("resnet20", 20, true, 0.11682), outcome("resnet56", 56, true, 0.11679)});
        QVERIFY2(has(text, "depth no longer hurts (resnet20 11.7%)"), text.c_str());
        QVERIFY2(!has(text, "depth helps"), text.c_str());
    }

    void saysSoWhenTheEffectIsMissing() {
        // plain56 within half a point of plain20: no degradation to speak of.
        const std::string text = degradation_verdict({outcome("plain20", 20, false, 0.101),
                                                      outcome("plain56", 56, false, 0.104),
                                                      outcome("resnet56", 56, true, 0.09)});
        QVERIFY2(has(text, "do not show the degradation problem"), text.c_str());
        QVERIFY2(!has(text, "trains worse"), text.c_str());
    }

    void residualThatDoesNotHelp() {
        const std::string text = degradation_verdict(
            {outcome("plain20", 20, false, 0.10), outcome("plain56", 56, false, 0.20),
             outcome("resnet20", 20, true, 0.09), outcome("resnet56", 56, true, 0.21)});
        QVERIFY2(has(text, "trains worse"), text.c_str());
        QVERIFY2(has(text, "did not help"), text.c_str());
    }

    void deeperResidualWorseThanShallowResidual() {
        const std::string text = degradation_verdict(
            {outcome("plain20", 20, false, 0.10), outcome("plain56", 56, false, 0.20),
             outcome("resnet20", 20, true, 0.08), outcome("resnet56", 56, true, 0.12)});
        QVERIFY2(has(text, "above resnet20"), text.c_str());
        QVERIFY2(!has(text, "depth helps"), text.c_str());
    }

    void koreanSaysTheSame() {
        // For each kind of outcome, the Korean verdict quotes the same figures, in the same order,
        // and draws the same conclusion as the English one.
        const std::vector<std::vector<RunOutcome>> cases = {
            {outcome("plain20", 20, false, 0.101), outcome("plain56", 56, false, 0.142),
             outcome("resnet20", 20, true, 0.093), outcome("resnet56", 56, true, 0.089)},
            {outcome("plain20", 20, false, 0.1397), outcome("plain56", 56, false, 0.2840),
             outcome("resnet20", 20, true, 0.11682), outcome("resnet56", 56, true, 0.11679)},
            {outcome("plain20", 20, false, 0.101), outcome("plain56", 56, false, 0.104),
             outcome("resnet56", 56, true, 0.09)},
            {outcome("plain20", 20, false, 0.10), outcome("plain56", 56, false, 0.20),
             outcome("resnet20", 20, true, 0.09), outcome("resnet56", 56, true, 0.21)},
            {outcome("plain20", 20, false, 0.10), outcome("plain56", 56, false, 0.20),
             outcome("resnet20", 20, true, 0.08), outcome("resnet56", 56, true, 0.12)},
        };
        const std::vector<std::pair<std::string, std::string>> conclusions = {
            {"trains worse", "더 못 배웁니다(성능 저하 문제)"},
            {"do not show the degradation problem", "성능 저하 문제가 보이지 않습니다"},
            {"depth helps", "깊이가 도움이 됩니다"},
            {"depth no longer hurts", "깊이가 더 이상 해가 되지 않습니다"},
            {"did not help", "도움이 되지 않았습니다"},
            {"depth still costs", "깊이가 여전히 비용입니다"},
        };
        // std::regex trips GCC 12's -Wmaybe-uninitialized under the sanitizers' -O1.
        const QRegularExpression figure(QStringLiteral(R"(\d+\.\d%)"));
        const auto figures = [&](const std::string& t) {
            QStringList out;
            for (auto it = figure.globalMatch(QString::fromStdString(t)); it.hasNext();)
                out << it.next().captured(0);
            return out;
        };
        for (const auto& runs : cases) {
            const std::string en = degradation_verdict(runs);
            const std::string ko = degradation_verdict(runs, "ko");
            QVERIFY(!ko.empty());
            QVERIFY2(ko != en, ko.c_str());
            QCOMPARE(figures(ko), figures(en));
            for (const auto& [english, korean] : conclusions)
                QVERIFY2(has(en, english.c_str()) == has(ko, korean.c_str()),
                         (en + " | " + ko).c_str());
        }
    }

    void needsTwoPlainDepths() {
        QVERIFY(degradation_verdict({}).empty());
        QVERIFY(degradation_verdict(
                    {outcome("plain20", 20, false, 0.1), outcome("resnet56", 56, true, 0.08)})
                    .empty());
        // An unfinished run does not count.
        QVERIFY(degradation_verdict(
                    {outcome("plain20", 20, false, 0.1), outcome("plain56", 56, false, 0.3, false)})
                    .empty());
    }
};

QTEST_APPLESS_MAIN(TestVerdict)
#include "test_verdict.moc"
