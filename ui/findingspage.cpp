// SPDX-License-Identifier: MIT
#include "findingspage.h"

#include "evidencetext.h"
#include "findingsmodel.h"

#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QPushButton>
#include <QShortcut>
#include <QSplitter>
#include <QTableView>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace vigil {

FindingsPage::FindingsPage(FindingsModel *model, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
{
    m_header = new QLabel(this);
    m_header->setObjectName(QStringLiteral("findingsHeader"));
    auto *analyse = new QPushButton(tr("Analyse &now"), this);
    analyse->setObjectName(QStringLiteral("analyseNow"));
    analyse->setToolTip(tr("Run every detector now instead of waiting for the next analysis (Ctrl+R)"));
    analyse->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    connect(analyse, &QPushButton::clicked, this, &FindingsPage::analyseRequested);
    auto *top = new QHBoxLayout;
    top->addWidget(m_header, 1);
    top->addWidget(analyse);

    m_view = new QTableView(this);
    m_view->setObjectName(QStringLiteral("findingsView"));
    m_view->setAccessibleName(tr("Findings"));
    m_view->setModel(model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->verticalHeader()->hide();
    m_view->setWordWrap(false);
    m_view->horizontalHeader()->setSectionResizeMode(FindingsModel::SummaryColumn, QHeaderView::Stretch);
    m_view->horizontalHeader()->setSectionResizeMode(FindingsModel::ProposalColumn, QHeaderView::Interactive);
    m_view->setColumnWidth(FindingsModel::SeverityColumn, 80);
    m_view->setColumnWidth(FindingsModel::DetectorColumn, 130);
    m_view->setColumnWidth(FindingsModel::ProposalColumn, 360);
    m_view->setColumnWidth(FindingsModel::DecisionColumn, 90);

    m_details = new QTextBrowser(this);
    m_details->setObjectName(QStringLiteral("findingDetails"));
    m_details->setAccessibleName(tr("The selected finding: advice and evidence"));
    m_details->setPlaceholderText(tr("Select a finding to see its evidence."));

    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_view);
    split->addWidget(m_details);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(split, 1);

    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &FindingsPage::showDetails);
    connect(model, &QAbstractItemModel::dataChanged, this, &FindingsPage::showDetails);
    connect(model, &FindingsModel::analysed, this, [this] {
        updateHeader();
        if (!m_view->currentIndex().isValid() && m_model->rowCount() > 0)
            m_view->selectRow(0);
    });
    updateHeader();
}

QString FindingsPage::detailsText() const
{
    return m_details->toPlainText();
}

void FindingsPage::updateHeader()
{
    if (!m_model->analysedAt().isValid()) {
        m_header->setText(tr("No analysis yet: the detectors run every minute (or press Analyse now)."));
        return;
    }
    const int n = m_model->rowCount();
    m_header->setText(n == 0 ? tr("Last analysis %1: nothing found.")
                                   .arg(m_model->analysedAt().toLocalTime().toString(QStringLiteral("HH:mm:ss")))
                             : tr("Last analysis %1: %n finding(s).", nullptr, n)
                                   .arg(m_model->analysedAt().toLocalTime().toString(QStringLiteral("HH:mm:ss"))));
}

void FindingsPage::showDetails()
{
    const QModelIndex current = m_view->currentIndex();
    if (!current.isValid()) {
        m_details->clear();
        return;
    }
    const Finding f = current.data(FindingsModel::FindingRole).value<Finding>();
    QString html = QStringLiteral("<h3>%1</h3>").arg(f.summary.toHtmlEscaped());
    html += QStringLiteral("<p><b>%1</b> · %2 · %3</p>")
                .arg(severityName(f.severity), f.detector.toHtmlEscaped(), f.condition.toHtmlEscaped());
    if (!f.advice.isEmpty())
        html += QStringLiteral("<p>%1</p>").arg(f.advice.toHtmlEscaped());
    if (const std::optional<Recommendation> &proposal = f.recommendation) {
        html += QStringLiteral("<p><b>%1</b></p><pre>%2</pre>")
                    .arg(tr("Proposed action"), proposal->sql.toHtmlEscaped());
        if (proposal->needsRestart)
            html += QStringLiteral("<p><b>%1</b></p>")
                        .arg(tr("Needs a server restart: Vigil never applies it and cannot guard it.").toHtmlEscaped());
        html += QStringLiteral("<p>%1: %2</p>")
                    .arg(proposal->decision.toHtmlEscaped(), proposal->decisionReason.toHtmlEscaped());
    }
    // In words and rounded numbers; the exact JSON below it, for whoever needs the digits.
    html += QStringLiteral("<p><b>%1</b></p><pre>%2</pre>")
                .arg(tr("Evidence"), readableEvidence(f.evidence).toHtmlEscaped());
    html += QStringLiteral("<p><b>%1</b></p><pre>%2</pre>")
                .arg(tr("As recorded (JSON)"), rawEvidence(f.evidence).toHtmlEscaped());
    m_details->setHtml(html);
}

} // namespace vigil
