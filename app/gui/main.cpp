#include <thread>

#include <QApplication>

#include <ATen/Parallel.h>

#include "mainwindow.h"

int main(int argc, char* argv[]) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("ResLab"));
    QApplication::setOrganizationName(QStringLiteral("ResLab"));
    // LibTorch starts with one intra-op thread here; use every core.
    at::set_num_threads(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
    MainWindow window;
    window.show();
    return app.exec();
}
