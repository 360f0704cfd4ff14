#pragma once

#include <QMainWindow>

/// ResLab's main window. Later views (curves, block graph, feature maps, gradients) dock into it.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
};
