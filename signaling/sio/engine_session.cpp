#include "signaling/sio/engine_session.h"

#include "sfu/common/log.h"
#include "signaling/sio/engine_server.h"

namespace signaling::sio {

namespace bhttp = http::bhttp;

EngineSession::EngineSession(boost::asio::io_context& io, EngineServer& server,
                             const EngineOptions& options, std::string sid, HandshakeInfo handshake)
    : io_(io),
      server_(server),
      options_(options),
      sid_(std::move(sid)),
      handshake_(std::move(handshake)),
      heartbeat_timer_(io),
      upgrade_timer_(io) {}

EngineSession::~EngineSession() {
  if (ws_) ws_->detach();
  if (probe_) probe_->detach();
}

std::string EngineSession::openPacket() const {
  EngineOpenInfo info;
  info.sid = sid_;
  if (transport_ == Transport::kPolling) info.upgrades = {"websocket"};
  info.ping_interval_ms = static_cast<uint32_t>(options_.ping_interval.count());
  info.ping_timeout_ms = static_cast<uint32_t>(options_.ping_timeout.count());
  info.max_payload = options_.max_payload;
  return encodeEngineOpen(info);
}

http::Response EngineSession::openPolling(unsigned version) {
  transport_ = Transport::kPolling;
  schedulePing();
  auto res =
      http::textResponse(bhttp::status::ok, openPacket(), "text/plain; charset=UTF-8", version);
  res.set(bhttp::field::cache_control, "no-store");
  return res;
}

void EngineSession::openWebSocket(std::shared_ptr<http::WsConnection> ws) {
  transport_ = Transport::kWebSocket;
  ws_ = std::move(ws);
  std::weak_ptr<EngineSession> weak = weak_from_this();
  ws_->start({[weak](std::string message, bool binary) {
                if (auto self = weak.lock()) self->onWsMessage(std::move(message), binary);
              },
              [weak](std::string_view) {
                if (auto self = weak.lock()) self->close("transport close");
              }});
  ws_->send(openPacket());
  schedulePing();
}

bool EngineSession::sendMessage(std::string_view text) {
  if (closed_) return false;
  enqueue(encodeEnginePacket(EnginePacketType::kMessage, text));
  return !closed_;
}

void EngineSession::enqueue(std::string packet) {
  if (closed_) return;
  if (transport_ == Transport::kWebSocket) {
    if (!ws_ || !ws_->send(std::move(packet))) close("send queue overflow");
    return;
  }
  if (queue_.size() + 1 > options_.max_queued_packets ||
      queued_bytes_ + packet.size() > options_.max_queued_bytes) {
    SFU_LOG_WARN("sio", "polling send queue overflow sid={} queued_bytes={}", sid_, queued_bytes_);
    close("send queue overflow");
    return;
  }
  queued_bytes_ += packet.size();
  queue_.push_back(std::move(packet));
  if (pending_poll_ && !upgrading_) flushPoll();
}

void EngineSession::flushPoll() {
  if (!pending_poll_ || queue_.empty()) return;
  std::vector<std::string> packets(std::make_move_iterator(queue_.begin()),
                                   std::make_move_iterator(queue_.end()));
  queue_.clear();
  queued_bytes_ = 0;
  answerPoll(encodeEnginePayload(packets));
}

void EngineSession::answerPoll(std::string body) {
  if (!pending_poll_) return;
  auto sink = std::move(pending_poll_);
  pending_poll_ = nullptr;
  auto res = http::textResponse(bhttp::status::ok, std::move(body), "text/plain; charset=UTF-8",
                                pending_version_);
  res.set(bhttp::field::cache_control, "no-store");
  sink(std::move(res));
}

void EngineSession::onPollGet(ResponseSink sink, unsigned version) {
  auto self = shared_from_this();
  if (closed_ || transport_ != Transport::kPolling) {
    sink(engineError(3, "Bad request", version));
    return;
  }
  if (pending_poll_) {
    // Two GETs at once: the client is confused or hostile (the reference server closes too).
    sink(engineError(3, "Bad request", version));
    close("overlap from client");
    return;
  }
  if (upgrading_) {
    // The client is pausing polling for the upgrade: release it at once.
    sink(http::textResponse(bhttp::status::ok, encodeEnginePacket(EnginePacketType::kNoop),
                            "text/plain; charset=UTF-8", version));
    return;
  }
  pending_poll_ = std::move(sink);
  pending_version_ = version;
  flushPoll();
}

void EngineSession::onPollPost(const std::string& body, ResponseSink sink, unsigned version) {
  auto self = shared_from_this();
  if (closed_ || transport_ != Transport::kPolling) {
    sink(engineError(3, "Bad request", version));
    return;
  }
  if (body.size() > options_.max_payload) {
    sink(engineError(3, "Payload too large", version, bhttp::status::payload_too_large));
    close("payload too large");
    return;
  }
  auto decoded = decodeEnginePayload(body);
  if (!decoded.packets) {
    sink(engineError(3, "Bad request", version));
    close("parse error");
    return;
  }
  for (const auto& packet : *decoded.packets) {
    if (closed_) break;
    handlePacket(packet);
  }
  sink(http::textResponse(bhttp::status::ok, "ok", "text/html", version));
}

void EngineSession::handlePacket(const EnginePacket& packet) {
  if (packet.binary) {
    // Binary attachments are not supported; the Socket.IO layer already told the client.
    SFU_LOG_DEBUG("sio", "binary packet dropped sid={} bytes={}", sid_, packet.data.size());
    return;
  }
  switch (packet.type) {
    case EnginePacketType::kPong:
      if (awaiting_pong_) schedulePing();
      break;
    case EnginePacketType::kPing:
      enqueue(encodeEnginePacket(EnginePacketType::kPong, packet.data));
      break;
    case EnginePacketType::kMessage:
      server_.deliver(*this, packet.data);
      break;
    case EnginePacketType::kClose:
      close("transport close");
      break;
    case EnginePacketType::kNoop:
    case EnginePacketType::kUpgrade:
      break;
    case EnginePacketType::kOpen:
      close("parse error");
      break;
  }
}

void EngineSession::onWsMessage(std::string message, bool binary) {
  auto self = shared_from_this();
  if (closed_) return;
  if (binary) {
    SFU_LOG_DEBUG("sio", "binary frame dropped sid={} bytes={}", sid_, message.size());
    return;
  }
  auto decoded = decodeEnginePacket(message);
  if (!decoded.packet) {
    close("parse error");
    return;
  }
  handlePacket(*decoded.packet);
}

bool EngineSession::attachProbe(std::shared_ptr<http::WsConnection> ws) {
  if (closed_ || transport_ != Transport::kPolling || probe_) return false;
  probe_ = ws;
  std::weak_ptr<EngineSession> weak = weak_from_this();
  std::weak_ptr<http::WsConnection> weak_ws = ws;
  ws->start({[weak](std::string message, bool binary) {
               if (auto self = weak.lock()) self->onProbeMessage(std::move(message), binary);
             },
             [weak, weak_ws](std::string_view) {
               auto self = weak.lock();
               if (self && self->probe_ && self->probe_ == weak_ws.lock()) {
                 self->abortUpgrade("probe closed");
               }
             }});
  upgrade_timer_.expires_after(options_.upgrade_timeout);
  upgrade_timer_.async_wait([weak](boost::system::error_code ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->abortUpgrade("upgrade timeout");
  });
  return true;
}

void EngineSession::onProbeMessage(std::string message, bool binary) {
  auto self = shared_from_this();
  if (closed_ || !probe_) return;
  if (!binary && message == "2probe" && !upgrading_) {
    // Engine.IO v4 "Upgrade": answer the probe, then release the pending poll with a noop so
    // the client can pause polling and send "5".
    probe_->send("3probe");
    upgrading_ = true;
    if (pending_poll_) answerPoll(encodeEnginePacket(EnginePacketType::kNoop));
    return;
  }
  if (!binary && message == "5" && upgrading_) {
    completeUpgrade();
    return;
  }
  abortUpgrade("bad probe");
}

void EngineSession::completeUpgrade() {
  upgrade_timer_.cancel();
  upgrading_ = false;
  transport_ = Transport::kWebSocket;
  ws_ = std::move(probe_);
  probe_.reset();
  std::weak_ptr<EngineSession> weak = weak_from_this();
  ws_->start({[weak](std::string message, bool binary) {
                if (auto self = weak.lock()) self->onWsMessage(std::move(message), binary);
              },
              [weak](std::string_view) {
                if (auto self = weak.lock()) self->close("transport close");
              }});
  if (pending_poll_) answerPoll(encodeEnginePacket(EnginePacketType::kNoop));
  auto queued = std::move(queue_);
  queue_.clear();
  queued_bytes_ = 0;
  for (auto& packet : queued) {
    if (closed_) break;
    enqueue(std::move(packet));
  }
  SFU_LOG_DEBUG("sio", "upgraded to websocket sid={}", sid_);
}

void EngineSession::abortUpgrade(std::string_view why) {
  if (!probe_) return;
  SFU_LOG_DEBUG("sio", "upgrade aborted sid={} reason={}", sid_, why);
  auto probe = std::move(probe_);
  probe_.reset();
  probe->detach();
  probe->close();
  upgrading_ = false;
  upgrade_timer_.cancel();
  flushPoll();
}

void EngineSession::schedulePing() {
  awaiting_pong_ = false;
  heartbeat_timer_.expires_after(options_.ping_interval);
  std::weak_ptr<EngineSession> weak = weak_from_this();
  heartbeat_timer_.async_wait([weak](boost::system::error_code ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->onHeartbeatTimer();
  });
}

void EngineSession::onHeartbeatTimer() {
  if (closed_) return;
  if (awaiting_pong_) {
    close("ping timeout");
    return;
  }
  awaiting_pong_ = true;
  enqueue(encodeEnginePacket(EnginePacketType::kPing));
  if (closed_) return;
  heartbeat_timer_.expires_after(options_.ping_timeout);
  std::weak_ptr<EngineSession> weak = weak_from_this();
  heartbeat_timer_.async_wait([weak](boost::system::error_code ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->onHeartbeatTimer();
  });
}

void EngineSession::close(std::string_view reason) {
  if (closed_) return;
  auto self = shared_from_this();
  closed_ = true;
  heartbeat_timer_.cancel();
  upgrade_timer_.cancel();
  if (pending_poll_) answerPoll(encodeEnginePacket(EnginePacketType::kClose));
  if (ws_) {
    ws_->detach();
    ws_->close();
  }
  if (probe_) {
    probe_->detach();
    probe_->close();
    probe_.reset();
  }
  queue_.clear();
  queued_bytes_ = 0;
  SFU_LOG_DEBUG("sio", "engine session closed sid={} reason={}", sid_, reason);
  server_.onSessionClosed(sid_, reason);
}

}  // namespace signaling::sio
