// An in-process DTLS client/server pair joined by in-memory datagram queues, with a manual clock
// that also moves OpenSSL's timer (see openssl_test_clock.h). Used by the DTLS, SRTP and SCTP
// tests.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "openssl_test_clock.h"
#include "sfu/dtls/dtls_transport.h"

namespace sfu::test {

using dtls::DtlsTransport;

struct DtlsEndpoint : DtlsTransport::Listener {
  std::unique_ptr<DtlsTransport> transport;
  std::deque<std::vector<uint8_t>> outbox;
  int connectedCount = 0;
  int closedCount = 0;
  std::optional<dtls::DtlsFailure> failure;
  std::string failureDetail;
  srtp::SrtpKeyMaterial keys;
  std::vector<std::vector<uint8_t>> received;
  // Optional hooks run after the default bookkeeping.
  std::function<void()> onConnected;
  std::function<void(std::span<const uint8_t>)> onData;

  void onDtlsSend(std::span<const uint8_t> datagram) override {
    outbox.emplace_back(datagram.begin(), datagram.end());
  }
  void onDtlsConnected(const srtp::SrtpKeyMaterial& k) override {
    ++connectedCount;
    keys = k;
    if (onConnected) onConnected();
  }
  void onDtlsFailed(dtls::DtlsFailure reason, std::string_view detail) override {
    failure = reason;
    failureDetail = std::string(detail);
  }
  void onDtlsClosed() override { ++closedCount; }
  void onDtlsData(std::span<const uint8_t> data) override {
    received.emplace_back(data.begin(), data.end());
    if (onData) onData(data);
  }
};

struct DtlsPair {
  // direction: 0 = client -> server, 1 = server -> client; index counts datagrams per direction.
  using DropFilter = std::function<bool(int direction, size_t index)>;

  DtlsEndpoint client;
  DtlsEndpoint server;
  DtlsTransport::TimePoint now = DtlsTransport::TimePoint(std::chrono::seconds(1000));
  DropFilter drop;
  size_t sent[2] = {0, 0};
  size_t dropped = 0;

  void create(std::shared_ptr<dtls::DtlsContext> clientCtx,
              std::shared_ptr<dtls::DtlsContext> serverCtx) {
    DtlsTransport::Options c;
    c.role = dtls::DtlsRole::kClient;
    DtlsTransport::Options s;
    s.role = dtls::DtlsRole::kServer;
    client.transport = std::make_unique<DtlsTransport>(clientCtx, client, c);
    server.transport = std::make_unique<DtlsTransport>(serverCtx, server, s);
  }

  // Delivers queued datagrams both ways; when idle, jumps to the earliest timer. Stops when
  // nothing is queued and no timer is armed, or after maxSteps.
  void pump(int maxSteps = 200) {
    for (int step = 0; step < maxSteps; ++step) {
      bool moved = deliver(client, server, 0);
      moved = deliver(server, client, 1) || moved;
      if (moved) continue;
      std::optional<DtlsTransport::TimePoint> next;
      for (auto* e : {&client, &server}) {
        if (!e->transport) continue;
        auto t = e->transport->nextTimeout();
        if (t && (!next || *t < *next)) next = t;
      }
      if (!next) return;
      advance(*next - now);
      for (auto* e : {&client, &server}) {
        if (e->transport) e->transport->handleTimeout(now);
      }
    }
  }

  void advance(DtlsTransport::Clock::duration d) {
    if (d.count() < 0) d = DtlsTransport::Clock::duration::zero();
    now += d;
    advanceOpensslClock(std::chrono::duration_cast<std::chrono::microseconds>(d) +
                        std::chrono::milliseconds(1));
  }

 private:
  bool deliver(DtlsEndpoint& from, DtlsEndpoint& to, int direction) {
    bool moved = false;
    while (!from.outbox.empty()) {
      std::vector<uint8_t> datagram = std::move(from.outbox.front());
      from.outbox.pop_front();
      moved = true;
      size_t index = sent[direction]++;
      if (drop && drop(direction, index)) {
        ++dropped;
        continue;
      }
      if (to.transport) to.transport->handleDatagram(datagram, now);
    }
    return moved;
  }
};

}  // namespace sfu::test
