#include "verdict.h"

#include <algorithm>
#include <cstdio>
#include <optional>

namespace reslab {
namespace {

std::string percent(double fraction) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f%%", 100.0 * fraction);
    return text;
}

/// The shallowest and the deepest finished run of one kind.
std::pair<const RunOutcome*, const RunOutcome*> extremes(const std::vector<RunOutcome>& runs,
                                                         bool residual) {
    const RunOutcome* shallow = nullptr;
    const RunOutcome* deep = nullptr;
    for (const auto& r : runs) {
        if (r.residual != residual || !r.finished)
            continue;
        if (!shallow || r.depth < shallow->depth)
            shallow = &r;
        if (!deep || r.depth > deep->depth)
            deep = &r;
    }
    return {shallow, deep};
}

const RunOutcome* at_depth(const std::vector<RunOutcome>& runs, bool residual, int64_t depth) {
    for (const auto& r : runs)
        if (r.residual == residual && r.finished && r.depth == depth)
            return &r;
    return nullptr;
}

} // namespace

int64_t final_window(int64_t total_steps) {
    return std::max<int64_t>(1, std::min<int64_t>(100, total_steps / 10));
}

void FinalTrainError::add(int64_t step, double error, int64_t total_steps) {
    const int64_t covered = step - m_last_step;
    m_last_step = step;
    if (covered > 0 && step > total_steps - final_window(total_steps)) {
        m_weighted += error * static_cast<double>(covered);
        m_steps += static_cast<double>(covered);
    }
}

double FinalTrainError::value() const {
    return m_steps > 0 ? m_weighted / m_steps : std::numeric_limits<double>::quiet_NaN();
}

std::string degradation_verdict(const std::vector<RunOutcome>& runs, const std::string& language) {
    // Korean for the lesson's classes; the sentences avoid particles that depend on how a run's
    // name is read aloud.
    const bool ko = language == "ko";
    const auto say = [ko](const char* en, const char* korean) {
        return std::string(ko ? korean : en);
    };
    const auto [plain_shallow, plain_deep] = extremes(runs, /*residual=*/false);
    if (!plain_shallow || plain_shallow->depth == plain_deep->depth)
        return {};
    std::string text = plain_deep->name + say(" ends at ", " 최종 학습 오차 ") +
                       percent(plain_deep->train_error) + say(" training error, ", ", ") +
                       plain_shallow->name + say(" at ", " ") +
                       percent(plain_shallow->train_error) + ": ";
    const bool degrades = plain_deep->train_error > plain_shallow->train_error + kVerdictTolerance;
    if (degrades)
        text += say("the deeper plain net trains worse (the degradation problem).",
                    "더 깊은 plain 네트워크가 더 못 배웁니다(성능 저하 문제).");
    else
        text += say("the deeper plain net does not train worse here, so these runs do not show the "
                    "degradation problem (more steps or another seed may).",
                    "여기서는 더 깊은 plain 네트워크가 더 못 배우지 않아, 이 실행들에는 성능 저하 "
                    "문제가 보이지 않습니다(스텝을 늘리거나 다른 시드로 보일 수 있습니다).");

    const RunOutcome* res_deep = at_depth(runs, true, plain_deep->depth);
    const RunOutcome* res_shallow = at_depth(runs, true, plain_shallow->depth);
    if (!res_deep) {
        const auto [any_shallow, any_deep] = extremes(runs, true);
        res_deep = any_deep;
        res_shallow = any_shallow != any_deep ? any_shallow : nullptr;
    }
    if (!res_deep)
        return text;
    text += " " + res_deep->name + say(" ends at ", " 최종 ") + percent(res_deep->train_error);
    if (res_deep->train_error + kVerdictTolerance < plain_deep->train_error ||
        (!degrades && res_deep->train_error < plain_deep->train_error)) {
        // "Helps" only when the figures it prints differ: 11.7% against 11.7% is no help.
        const bool helps = res_shallow &&
                           percent(res_deep->train_error) != percent(res_shallow->train_error) &&
                           res_deep->train_error < res_shallow->train_error;
        if (res_shallow && res_deep->train_error <= res_shallow->train_error + kVerdictTolerance)
            text += (helps ? say(": with shortcuts, depth helps (",
                                 ": 숏컷이 있으면 깊이가 도움이 됩니다(")
                           : say(": with shortcuts, depth no longer hurts (",
                                 ": 숏컷이 있으면 깊이가 더 이상 해가 되지 않습니다(")) +
                    res_shallow->name + " " + percent(res_shallow->train_error) + ").";
        else if (res_shallow)
            text += ko ? ", " + plain_deep->name + "보다 낮지만 " + res_shallow->name + "(" +
                             percent(res_shallow->train_error) +
                             ")보다 높습니다: 숏컷이 돕지만 여기서는 깊이가 여전히 비용입니다."
                       : ", below " + plain_deep->name + " but above " + res_shallow->name + " (" +
                             percent(res_shallow->train_error) +
                             "): shortcuts help, yet depth still costs here.";
        else
            text += ko ? ", " + plain_deep->name + "보다 낮습니다: 숏컷이 도움이 됩니다."
                       : ", below " + plain_deep->name + ": shortcuts help.";
    } else {
        text += ko ? ", " + plain_deep->name +
                         "보다 낫지 않습니다: 이 실행들에서는 숏컷이 도움이 되지 "
                         "않았습니다."
                   : ", no better than " + plain_deep->name +
                         ": the shortcuts did not help in these runs.";
    }
    return text;
}

} // namespace reslab
