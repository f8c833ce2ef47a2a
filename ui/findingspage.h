// SPDX-License-Identifier: MIT
#pragma once

#include <QWidget>

class QLabel;
class QTableView;
class QTextBrowser;

namespace vigil {

class FindingsModel;

/**
 * What the detectors see now (UI.md "Findings"): a table of findings with severity and the action each proposes
 * (and what the mode made of it), and below it the selected finding's evidence, advice and SQL.
 */
class FindingsPage : public QWidget
{
    Q_OBJECT

public:
    FindingsPage(FindingsModel *model, QWidget *parent = nullptr);

    /// The details pane's text (for tests and screenshots).
    QString detailsText() const;
    QTableView *view() const { return m_view; }

signals:
    void analyseRequested();

private:
    void showDetails();
    void updateHeader();

    FindingsModel *m_model;
    QLabel *m_header;
    QTableView *m_view;
    QTextBrowser *m_details;
};

} // namespace vigil
