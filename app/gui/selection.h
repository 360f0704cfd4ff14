#pragma once

#include <QObject>
#include <QString>

/// The one selection every view shares (docs/ARCHITECTURE.md): the layer or block picked last, by
/// its torchvision module path ("layer2", "layer2.0", "layer2.0.conv1", "fc"), and the run the
/// views look at. A view sets it when the user picks something and follows it when another view
/// does.
class Selection : public QObject {
    Q_OBJECT
public:
    explicit Selection(QObject* parent = nullptr) : QObject(parent) {}

    QString layer() const { return m_layer; }
    QString run() const { return m_run; }

public Q_SLOTS:
    /// Selects a module path; an empty one clears the selection. Emits only on a change.
    void setLayer(const QString& layer) {
        if (layer == m_layer)
            return;
        m_layer = layer;
        Q_EMIT layerChanged(m_layer);
    }
    /// Selects the run (its name in the run list) the views show; emits only on a change.
    void setRun(const QString& run) {
        if (run == m_run)
            return;
        m_run = run;
        Q_EMIT runChanged(m_run);
    }

Q_SIGNALS:
    void layerChanged(const QString& layer);
    void runChanged(const QString& run);

private:
    QString m_layer;
    QString m_run;
};
