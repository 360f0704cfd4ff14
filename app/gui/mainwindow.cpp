#include "mainwindow.h"

#include <ATen/Parallel.h>
#include <torch/version.h>

#include <QApplication>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QStatusBar>

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setWindowTitle(tr("ResLab"));
    auto* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Quit"), QKeySequence::Quit, qApp, &QApplication::quit);
    auto* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About ResLab"), this, [this] {
        QMessageBox::about(this, tr("About ResLab"),
                           tr("<p><b>ResLab</b> trains and inspects residual networks "
                              "(He et al. 2015, <i>Deep Residual Learning for Image "
                              "Recognition</i>) with LibTorch %1.</p>")
                               .arg(QStringLiteral(TORCH_VERSION)));
    });

    // The experiment, curves, graph, feature-map and gradient panels dock around this centre.
    auto* centre = new QLabel(tr("ResLab"), this);
    centre->setAlignment(Qt::AlignCenter);
    setCentralWidget(centre);

    statusBar()->addPermanentWidget(
        new QLabel(tr("CPU, %1 threads · LibTorch %2")
                       .arg(at::get_num_threads())
                       .arg(QStringLiteral(TORCH_VERSION)),
                   this));
    resize(1200, 800);
}
