// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

namespace vigil {

/// How to reach the NATS server and what to publish (vigilctl --nats, --nats-creds, --nats-ca; the GUI's setting).
struct NatsOptions
{
    /// nats://[user:password@]host:port (tls:// for TLS); several servers separated by commas.
    QString url;
    QString credsFile; ///< a NATS .creds file (user JWT and NKey seed), empty for none
    QString caFile; ///< PEM file of the CA that signed the server's certificate; implies TLS
    QString clientName = QStringLiteral("vigil"); ///< shown by the server (connz)
    /// Events waiting to be handed to libnats; beyond it the oldest is dropped and counted.
    int queueCapacity = 65536;
    bool publishSamples = false; ///< also publish vigil.<target>.sample
    double sampleEverySeconds = 0; ///< at most one sample per this many seconds (0: every sample)
};

/// One subject token from any text: characters other than A-Z a-z 0-9 _ - become '_' (a dot, a space, '*' or '>'
/// would break the subject); empty text becomes "_".
QString natsToken(const QString &text);
/// vigil.<token(target)>.<event>, each dot-separated part of the event name made a token ("action.rolled_back" ->
/// "vigil.localhost_5432_db.action.rolled_back").
QString natsSubject(const QString &target, const QString &event);
/// url without the password of its user information (for logs and the window; never print a secret).
QString natsUrlWithoutPassword(const QString &url);

} // namespace vigil
