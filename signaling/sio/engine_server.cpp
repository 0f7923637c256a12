#include "signaling/sio/engine_server.h"

#include <openssl/rand.h>

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include "sfu/common/log.h"

namespace signaling::sio {

namespace bhttp = http::bhttp;

std::string randomId() {
  unsigned char bytes[15];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    // OpenSSL's CSPRNG failing is not recoverable for session ids.
    SFU_LOG_ERROR("sio", "RAND_bytes failed");
    std::abort();
  }
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve(20);
  for (size_t i = 0; i < sizeof(bytes); i += 3) {
    const uint32_t v = (uint32_t{bytes[i]} << 16) | (uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  return out;
}

http::Response engineError(int code, std::string_view message, unsigned version,
                           bhttp::status status) {
  return http::jsonResponse(status, {{"code", code}, {"message", std::string(message)}}, version);
}

namespace {

struct EngineQuery {
  std::optional<std::string> eio, transport, sid;
};

EngineQuery parseQuery(std::string_view target) {
  const size_t q = target.find('?');
  const std::string_view query = q == std::string_view::npos ? "" : target.substr(q + 1);
  return {http::findQueryParam(query, "EIO"), http::findQueryParam(query, "transport"),
          http::findQueryParam(query, "sid")};
}

std::string rawQuery(std::string_view target) {
  const size_t q = target.find('?');
  return q == std::string_view::npos ? std::string() : std::string(target.substr(q + 1));
}

std::string authorizationOf(const http::Request& req) {
  auto it = req.find(bhttp::field::authorization);
  return it == req.end() ? std::string() : std::string(it->value());
}

}  // namespace

EngineServer::EngineServer(boost::asio::io_context& io, EngineOptions options, Listener& listener)
    : io_(io), options_(options), listener_(listener), alive_(std::make_shared<bool>(true)) {}

EngineServer::~EngineServer() {
  *alive_ = false;
  closeAll("server shutdown");
}

void EngineServer::closeAll(std::string_view reason) {
  auto sessions = sessions_;
  for (auto& [sid, session] : sessions) session->close(reason);
}

std::shared_ptr<EngineSession> EngineServer::find(const std::string& sid) const {
  auto it = sessions_.find(sid);
  return it == sessions_.end() ? nullptr : it->second;
}

std::shared_ptr<EngineSession> EngineServer::create(HandshakeInfo handshake) {
  std::string sid = randomId();
  while (sessions_.count(sid)) sid = randomId();
  auto session = std::make_shared<EngineSession>(io_, *this, options_, sid, std::move(handshake));
  sessions_.emplace(sid, session);
  return session;
}

void EngineServer::handlePolling(const http::Request& req, const std::string& remote,
                                 ResponseSink sink) {
  const unsigned version = req.version();
  const auto q = parseQuery(req.target());
  if (q.eio != "4") {
    sink(engineError(5, "Unsupported protocol version", version));
    return;
  }
  if (q.transport != "polling") {
    sink(q.transport == "websocket" ? engineError(3, "Bad request", version)
                                    : engineError(0, "Transport unknown", version));
    return;
  }
  if (!q.sid) {
    if (req.method() != bhttp::verb::get) {
      sink(engineError(2, "Bad handshake method", version));
      return;
    }
    if (sessions_.size() >= options_.max_sessions) {
      sink(engineError(3, "Server full", version, bhttp::status::service_unavailable));
      return;
    }
    auto session = create({rawQuery(req.target()), authorizationOf(req), remote});
    sink(session->openPolling(version));
    listener_.onEngineOpen(*session);
    return;
  }
  auto session = find(*q.sid);
  if (!session) {
    sink(engineError(1, "Session ID unknown", version));
    return;
  }
  if (session->transport() != EngineSession::Transport::kPolling) {
    sink(engineError(3, "Bad request", version));
    return;
  }
  if (req.method() == bhttp::verb::get) {
    session->onPollGet(std::move(sink), version);
  } else if (req.method() == bhttp::verb::post) {
    session->onPollPost(req.body(), std::move(sink), version);
  } else {
    sink(engineError(2, "Bad handshake method", version));
  }
}

std::optional<http::Response> EngineServer::checkWebSocket(const http::Request& req) const {
  const unsigned version = req.version();
  const auto q = parseQuery(req.target());
  if (q.eio != "4") return engineError(5, "Unsupported protocol version", version);
  if (q.transport != "websocket") return engineError(3, "Bad request", version);
  if (!q.sid) {
    if (sessions_.size() >= options_.max_sessions) {
      return engineError(3, "Server full", version, bhttp::status::service_unavailable);
    }
    return std::nullopt;
  }
  auto session = find(*q.sid);
  if (!session) return engineError(1, "Session ID unknown", version);
  if (session->transport() != EngineSession::Transport::kPolling) {
    return engineError(3, "Bad request", version);
  }
  return std::nullopt;
}

void EngineServer::attachWebSocket(std::shared_ptr<http::WsConnection> ws,
                                   const std::string& target, HandshakeInfo handshake) {
  const auto q = parseQuery(target);
  if (q.sid) {
    auto session = find(*q.sid);
    if (!session || !session->attachProbe(ws)) ws->close();
    return;
  }
  auto session = create(std::move(handshake));
  session->openWebSocket(std::move(ws));
  listener_.onEngineOpen(*session);
}

void EngineServer::onSessionClosed(const std::string& sid, std::string_view reason) {
  auto it = sessions_.find(sid);
  if (it == sessions_.end()) return;
  sessions_.erase(it);
  boost::asio::post(io_,
                    [this, alive = std::weak_ptr<bool>(alive_), sid, reason = std::string(reason)] {
                      auto flag = alive.lock();
                      if (flag && *flag) listener_.onEngineClose(sid, reason);
                    });
}

void EngineServer::deliver(EngineSession& session, std::string_view text) {
  listener_.onEngineMessage(session, text);
}

}  // namespace signaling::sio
