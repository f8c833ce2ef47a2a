// SPDX-License-Identifier: MIT
#include "connectdialog.h"

#include "collect/connectioncheck.h"
#include "conninfo.h"
#include "settings.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QEventLoop>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include <qt6keychain/keychain.h>

namespace vigil {

namespace {
const QString kKeyringService = QStringLiteral("vigil");

/// Runs one keyring job to its end (jobs are asynchronous; the dialog waits a moment for the answer).
bool runJob(QKeychain::Job &job)
{
    QEventLoop loop;
    QObject::connect(&job, &QKeychain::Job::finished, &loop, &QEventLoop::quit);
    job.setAutoDelete(false);
    job.start();
    loop.exec();
    return job.error() == QKeychain::NoError;
}
} // namespace

QString ConnectDialog::suggestedSslMode(const QString &host)
{
    const QString h = host.trimmed();
    // A Unix socket or a loopback address never leaves the machine; anything else crosses a network.
    if (h.isEmpty() || h.startsWith(u'/') || isLoopbackHost(h))
        return {};
    return QStringLiteral("verify-full");
}

QString ConnectDialog::quoteValue(const QString &value)
{
    QString quoted = value;
    quoted.replace(u'\\', QStringLiteral("\\\\"));
    quoted.replace(u'\'', QStringLiteral("\\'"));
    return u'\'' + quoted + u'\'';
}

ConnectDialog::ConnectDialog(Settings *settings, QWidget *parent)
    : QDialog(parent)
    , m_settings(settings)
{
    setWindowTitle(tr("Connect to PostgreSQL"));
    setObjectName(QStringLiteral("connectDialog"));
    auto *form = new QFormLayout;
    m_recent = new QComboBox(this);
    m_recent->setObjectName(QStringLiteral("recentTargets"));
    m_recent->addItem(tr("(new connection)"));
    m_recent->addItems(settings->recentTargets());
    m_recent->setToolTip(tr("Targets used before (remembered without their passwords)"));
    connect(m_recent, &QComboBox::currentIndexChanged, this, &ConnectDialog::onRecentChosen);
    form->addRow(tr("&Recent:"), m_recent);
    m_service = new QLineEdit(this);
    m_service->setObjectName(QStringLiteral("serviceEdit"));
    m_service->setPlaceholderText(tr("optional: a service from ~/.pg_service.conf"));
    form->addRow(tr("&Service:"), m_service);
    m_host = new QLineEdit(this);
    m_host->setObjectName(QStringLiteral("hostEdit"));
    m_host->setPlaceholderText(QStringLiteral("localhost"));
    m_host->setToolTip(tr("Host name, IP address or Unix socket directory. For a remote server Vigil proposes TLS "
                          "with sslmode=verify-full (the certificate must be signed by the CA and name this host)."));
    form->addRow(tr("&Host:"), m_host);
    connect(m_host, &QLineEdit::textChanged, this, &ConnectDialog::onHostChanged);
    m_port = new QSpinBox(this);
    m_port->setObjectName(QStringLiteral("portEdit"));
    // 0 is "not given": libpq then takes PGPORT, the service's port or 5432, as psql would.
    m_port->setRange(0, 65535);
    m_port->setSpecialValueText(tr("default (5432)"));
    m_port->setToolTip(tr("Leave at default to let libpq choose (PGPORT, the service file, or 5432)"));
    form->addRow(tr("&Port:"), m_port);
    m_database = new QLineEdit(this);
    m_database->setObjectName(QStringLiteral("databaseEdit"));
    form->addRow(tr("&Database:"), m_database);
    m_user = new QLineEdit(this);
    m_user->setObjectName(QStringLiteral("userEdit"));
    form->addRow(tr("&User:"), m_user);
    m_password = new QLineEdit(this);
    m_password->setObjectName(QStringLiteral("passwordEdit"));
    m_password->setEchoMode(QLineEdit::Password);
    m_password->setPlaceholderText(tr("leave empty to use ~/.pgpass"));
    form->addRow(tr("Pass&word:"), m_password);
    m_sslMode = new QComboBox(this);
    m_sslMode->setObjectName(QStringLiteral("sslModeCombo"));
    m_sslMode->addItem(tr("libpq default (prefer)"), QString());
    for (const char *mode : { "disable", "allow", "prefer", "require", "verify-ca", "verify-full" })
        m_sslMode->addItem(QLatin1StringView(mode), QLatin1StringView(mode).toString());
    m_sslMode->setToolTip(tr("verify-full: encrypted, and the server proves it is this host with a certificate "
                             "signed by the CA below. require encrypts but accepts any certificate."));
    connect(m_sslMode, &QComboBox::activated, this, [this] { m_sslModeChosen = true; });
    form->addRow(tr("&TLS (sslmode):"), m_sslMode);
    m_sslRootCert = new QLineEdit(this);
    m_sslRootCert->setObjectName(QStringLiteral("sslRootCertEdit"));
    m_sslRootCert->setPlaceholderText(tr("CA certificate file (default ~/.postgresql/root.crt)"));
    form->addRow(tr("C&A certificate:"), m_sslRootCert);
    m_remember = new QCheckBox(tr("Remember the password in the desktop keyring"), this);
    m_remember->setObjectName(QStringLiteral("rememberPassword"));
    form->addRow(QString(), m_remember);
    m_note = new QLabel(this);
    m_note->setObjectName(QStringLiteral("noteLabel"));
    m_note->setWordWrap(true);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Connect"));
    m_buttons->button(QDialogButtonBox::Ok)->setObjectName(QStringLiteral("connectButton"));
    connect(m_buttons, &QDialogButtonBox::accepted, this, &ConnectDialog::onAccept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    for (QLineEdit *edit : { m_service, m_host, m_database, m_user })
        connect(edit, &QLineEdit::textChanged, this, &ConnectDialog::updateOk);
    prefillFromEnvironment();
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_note);
    layout->addWidget(m_buttons);
    updateOk();
}

void ConnectDialog::prefillFromEnvironment()
{
    // What psql would use without arguments is where a DBA expects to start (PGPASSWORD stays libpq's business).
    m_service->setText(qEnvironmentVariable("PGSERVICE"));
    m_host->setText(qEnvironmentVariable("PGHOST"));
    bool ok = false;
    const int port = qEnvironmentVariableIntValue("PGPORT", &ok);
    m_port->setValue(ok && port > 0 && port <= 65535 ? port : 0);
    m_database->setText(qEnvironmentVariable("PGDATABASE"));
    m_user->setText(qEnvironmentVariable("PGUSER"));
}

QString ConnectDialog::conninfoWithoutPassword() const
{
    QStringList parts;
    auto add = [&parts](const char *key, const QString &value) {
        if (!value.trimmed().isEmpty())
            parts << QLatin1StringView(key) + u'=' + quoteValue(value.trimmed());
    };
    add("service", m_service->text());
    add("host", m_host->text());
    if (m_port->value() != 0)
        parts << QStringLiteral("port=%1").arg(m_port->value());
    add("dbname", m_database->text());
    add("user", m_user->text());
    add("sslmode", m_sslMode->currentData().toString());
    add("sslrootcert", m_sslRootCert->text());
    return parts.join(u' ');
}

QString ConnectDialog::conninfo() const
{
    const QString base = conninfoWithoutPassword();
    if (m_password->text().isEmpty())
        return base;
    return base + QStringLiteral(" password=") + quoteValue(m_password->text());
}

QString ConnectDialog::keyringKey() const
{
    const std::optional<ConnInfo> info = ConnInfo::parse(conninfoWithoutPassword());
    return (info ? info->displayName() : conninfoWithoutPassword()) + QStringLiteral(" user=") + m_user->text();
}

void ConnectDialog::showProblem(const QString &text)
{
    m_note->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_note->setText(text);
}

void ConnectDialog::updateOk()
{
    const bool enough = !m_service->text().trimmed().isEmpty() || !m_database->text().trimmed().isEmpty();
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(enough);
    m_note->setStyleSheet(QString());
    m_note->setText(enough ? QString() : tr("Give a database (or a service)."));
}

void ConnectDialog::onHostChanged(const QString &host)
{
    if (!m_sslModeChosen)
        m_sslMode->setCurrentIndex(m_sslMode->findData(suggestedSslMode(host)));
}

void ConnectDialog::onRecentChosen(int index)
{
    if (index <= 0)
        return;
    const std::optional<ConnInfo> info = ConnInfo::parse(m_recent->itemText(index));
    if (!info)
        return;
    m_service->setText(info->value(QStringLiteral("service")));
    m_host->setText(info->value(QStringLiteral("host")));
    m_port->setValue(info->has(QStringLiteral("port")) ? info->value(QStringLiteral("port")).toInt() : 0);
    m_database->setText(info->value(QStringLiteral("dbname")));
    m_user->setText(info->value(QStringLiteral("user")));
    // A remembered target keeps its TLS settings exactly (no suggestion over what was used before).
    m_sslModeChosen = true;
    const int sslIndex = m_sslMode->findData(info->value(QStringLiteral("sslmode")));
    m_sslMode->setCurrentIndex(sslIndex < 0 ? 0 : sslIndex);
    m_sslRootCert->setText(info->value(QStringLiteral("sslrootcert")));
    m_password->clear();
    // A password kept in the keyring for this target fills the field (it is never shown).
    QKeychain::ReadPasswordJob job(kKeyringService);
    job.setKey(keyringKey());
    if (runJob(job))
        m_password->setText(job.textData());
}

void ConnectDialog::onAccept()
{
    QString error;
    if (!ConnInfo::parse(conninfo(), &error)) {
        showProblem(error);
        return;
    }
    // Try it before remembering anything: a target that does not answer is neither saved in Recent nor given a
    // keyring entry, and the dialog stays open with libpq's reason on one line.
    m_note->setStyleSheet(QString());
    m_note->setText(tr("Connecting…"));
    m_buttons->setEnabled(false);
    QApplication::setOverrideCursor(Qt::WaitCursor);
    QApplication::processEvents(QEventLoop::ExcludeUserInputEvents);
    const ConnectionCheck check = checkConnection(conninfo());
    QApplication::restoreOverrideCursor();
    m_buttons->setEnabled(true);
    if (!check.ok) {
        showProblem(tr("Could not connect: %1").arg(check.error));
        return;
    }
    m_connectedName = check.displayName;
    m_note->setText(tr("Connected to %1 (PostgreSQL %2).").arg(check.displayName, check.serverVersion));
    if (m_remember->isChecked() && !m_password->text().isEmpty()) {
        QKeychain::WritePasswordJob job(kKeyringService);
        job.setKey(keyringKey());
        job.setTextData(m_password->text());
        // No insecure fallback: without a keyring the password is used for this session and not kept at all.
        if (!runJob(job)) {
            showProblem(tr("The desktop keyring is not available (%1): the password is used for this session only.")
                            .arg(job.errorString()));
        }
    }
    m_settings->addRecentTarget(conninfoWithoutPassword());
    accept();
}

} // namespace vigil
