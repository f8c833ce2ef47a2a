// SPDX-License-Identifier: MIT
#pragma once

#include <QMainWindow>

class QLabel;

namespace vigil {

/// Vigil's main window. In this first version it is a frame: the pages arrive with the desktop issue.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(QWidget *parent = nullptr);

private:
    QLabel *m_connectionState = nullptr;
};

} // namespace vigil
