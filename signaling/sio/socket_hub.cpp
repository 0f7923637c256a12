#include "signaling/sio/socket_hub.h"

#include <algorithm>

#include "sfu/common/log.h"
#include "signaling/http/http_types.h"
#include "signaling/sio/sio_metrics.h"

namespace signaling::sio {

using nlohmann::json;

namespace {

json errorEnvelope(const std::string& code, const std::string& message) {
  return {{"success", false}, {"error", {{"code", code}, {"message", message}}}};
}

}  // namespace

SocketHub::SocketHub(boost::asio::io_context& io, EngineOptions options)
    : io_(io), engine_(io, options, *this) {
  SioMetrics::instance();  // series exported (as zeros) from start-up, not from the first socket
}

SocketHub::~SocketHub() = default;

void SocketHub::closeAll() { engine_.closeAll("server shutdown"); }

size_t SocketHub::socketCount(const std::string& user_id) const {
  auto it = users_.find(user_id);
  return it == users_.end() ? 0 : it->second.size();
}

std::vector<std::string> SocketHub::onlineUsers() const {
  std::vector<std::string> out;
  out.reserve(users_.size());
  for (const auto& [user, sockets] : users_) {
    if (!sockets.empty()) out.push_back(user);
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool SocketHub::isOnline(const std::string& user_id) const { return socketCount(user_id) > 0; }

bool SocketHub::emitToUser(const std::string& user_id, const std::string& event, const json& data) {
  auto it = users_.find(user_id);
  if (it == users_.end()) return false;
  const auto socket_ids = it->second;  // a send may close a session; iterate over a copy
  bool delivered = false;
  for (const auto& id : socket_ids) delivered = emitToSocket(id, event, data) || delivered;
  return delivered;
}

size_t SocketHub::emitToAll(const std::string& event, const json& data) {
  std::vector<std::string> socket_ids;  // a send may close a session; iterate over a copy
  socket_ids.reserve(sockets_.size());
  for (const auto& [id, sid] : sockets_) socket_ids.push_back(id);
  size_t sent = 0;
  for (const auto& id : socket_ids) sent += emitToSocket(id, event, data) ? 1 : 0;
  return sent;
}

bool SocketHub::emitToSocket(const std::string& socket_id, const std::string& event,
                             const json& data) {
  auto sock = sockets_.find(socket_id);
  if (sock == sockets_.end()) return false;
  auto session = engine_.find(sock->second);
  if (!session) return false;
  SioMetrics::instance().eventOut(event);
  return session->sendMessage(encodeSioEvent(event, data));
}

void SocketHub::onEngineOpen(EngineSession& session) {
  SioMetrics::instance().engineOpened();
  Client client;
  client.engine = session.weak_from_this();
  client.connect_timer = std::make_unique<boost::asio::steady_timer>(io_);
  client.connect_timer->expires_after(engine_.options().connect_timeout);
  client.connect_timer->async_wait([this, weak = client.engine](boost::system::error_code ec) {
    if (ec) return;
    auto s = weak.lock();
    if (!s) return;
    auto it = clients_.find(s->id());
    if (it != clients_.end() && it->second.socket_id.empty()) s->close("connect timeout");
  });
  clients_.emplace(session.id(), std::move(client));
}

void SocketHub::onEngineClose(const std::string& sid, std::string_view reason) {
  auto it = clients_.find(sid);
  if (it == clients_.end()) return;
  SioMetrics::instance().engineClosed();
  disconnectSocket(sid, reason);
  clients_.erase(sid);
}

void SocketHub::onEngineMessage(EngineSession& session, std::string_view text) {
  auto it = clients_.find(session.id());
  if (it == clients_.end()) return;
  auto decoded = decodeSioPacket(text);
  if (!decoded.packet) {
    SioMetrics::instance().protocolError();
    SFU_LOG_DEBUG("sio", "bad packet sid={} reason={}", session.id(), toString(decoded.error));
    session.close("parse error");
    return;
  }
  const SioPacket& packet = *decoded.packet;
  if (packet.nsp != "/") {
    // Socket.IO v5: an unknown namespace is refused with CONNECT_ERROR in that namespace.
    if (packet.type == SioPacketType::kConnect) {
      SioPacket refusal{SioPacketType::kConnectError, packet.nsp, std::nullopt,
                        json{{"message", "Invalid namespace"}}, 0};
      session.sendMessage(encodeSioPacket(refusal));
    }
    return;
  }
  const Client& client = it->second;
  const bool connected = !client.socket_id.empty();
  const SocketRef socket{client.socket_id, client.user_id};
  switch (packet.type) {
    case SioPacketType::kConnect:
      handleConnect(session, packet.data);
      break;
    case SioPacketType::kDisconnect:
      if (connected) disconnectSocket(session.id(), "client namespace disconnect");
      break;
    case SioPacketType::kEvent:
      if (connected) handleEvent(session, socket, packet);
      break;
    case SioPacketType::kBinaryEvent:
    case SioPacketType::kBinaryAck:
      // The attachments that follow as binary Engine.IO packets are dropped by the engine.
      if (connected) sendError(session, "Binary payloads are not supported", packet.id, "binary");
      break;
    case SioPacketType::kAck:
      break;  // the server never asks clients for acks
    case SioPacketType::kConnectError:
      SioMetrics::instance().protocolError();
      session.close("parse error");
      break;
  }
}

std::optional<std::string> SocketHub::tokenFor(const EngineSession& session,
                                               const std::optional<json>& auth) const {
  if (auth && auth->is_object()) {
    auto it = auth->find("token");
    if (it != auth->end() && it->is_string() && !it->get_ref<const std::string&>().empty()) {
      // Some clients put the whole header value in auth.token.
      const auto& value = it->get_ref<const std::string&>();
      if (auto bearer = http::parseBearer(value)) return bearer;
      return value;
    }
  }
  auto query_token = http::findQueryParam(session.handshake().query, "token");
  if (query_token && !query_token->empty()) return query_token;
  if (!session.handshake().authorization.empty()) {
    return http::parseBearer(session.handshake().authorization);
  }
  return std::nullopt;
}

void SocketHub::refuseConnect(EngineSession& session, const std::string& message,
                              const std::string& code) {
  SioMetrics::instance().connectError();
  session.sendMessage(encodeSioConnectError(message, json{{"code", code}}));
}

void SocketHub::handleConnect(EngineSession& session, const std::optional<json>& auth) {
  auto it = clients_.find(session.id());
  if (!it->second.socket_id.empty()) {
    session.sendMessage(encodeSioConnect(it->second.socket_id));  // repeated CONNECT
    return;
  }
  if (!calls_) {
    refuseConnect(session, "Server not ready", "unavailable");
    return;
  }
  auto token = tokenFor(session, auth);
  if (!token) {
    refuseConnect(session, "Authentication required", "unauthorized");
    return;
  }
  std::string user_id;
  try {
    user_id = calls_->authenticate(*token);
  } catch (const ApiError& e) {
    refuseConnect(session, e.what(), e.code());
    return;
  } catch (const std::exception& e) {
    SFU_LOG_ERROR("sio", "authenticate failed sid={} error={}", session.id(), e.what());
    refuseConnect(session, "Authentication failed", "internal");
    return;
  }
  it = clients_.find(session.id());
  if (it == clients_.end() || !session.isOpen()) return;
  Client& client = it->second;
  client.socket_id = randomId();
  client.user_id = user_id;
  client.connect_timer.reset();
  sockets_[client.socket_id] = session.id();
  users_[user_id].push_back(client.socket_id);
  SioMetrics::instance().socketConnected();
  const SocketRef socket{client.socket_id, client.user_id};
  SFU_LOG_INFO("sio", "socket connected socket={} user={} remote={}", socket.socket_id,
               socket.user_id, session.handshake().remote);
  session.sendMessage(encodeSioConnect(socket.socket_id));
  try {
    calls_->onSocketConnected(socket);
  } catch (const ApiError& e) {
    sendError(session, e.what(), std::nullopt, e.code());
  } catch (const std::exception& e) {
    SFU_LOG_ERROR("sio", "onSocketConnected failed socket={} error={}", socket.socket_id, e.what());
  }
}

void SocketHub::handleEvent(EngineSession& session, const SocketRef& socket,
                            const SioPacket& packet) {
  const auto& args = *packet.data;
  const std::string& event = args[0].get_ref<const std::string&>();
  const json data = args.size() > 1 ? args[1] : json(nullptr);
  SioMetrics::instance().eventIn(event);
  if (event == "authenticate") {
    handleAuthenticate(session, socket, data, packet.id);
    return;
  }
  try {
    auto result = calls_->onSocketEvent(socket, event, data);
    if (packet.id) {
      session.sendMessage(encodeSioAck(*packet.id, result ? *result : json{{"success", true}}));
    }
  } catch (const ApiError& e) {
    sendError(session, e.what(), packet.id, e.code());
  } catch (const std::exception& e) {
    SFU_LOG_ERROR("sio", "event failed socket={} user={} event={} error={}", socket.socket_id,
                  socket.user_id, SioMetrics::label(event), e.what());
    sendError(session, "Internal error", packet.id, "internal");
  }
}

void SocketHub::handleAuthenticate(EngineSession& session, const SocketRef& socket,
                                   const json& data, std::optional<uint64_t> ack_id) {
  if (data.is_object()) {
    auto token = data.find("token");
    if (token != data.end() && token->is_string()) {
      std::string user;
      try {
        user = calls_->authenticate(token->get<std::string>());
      } catch (const ApiError& e) {
        sendError(session, e.what(), ack_id, e.code());
        return;
      } catch (const std::exception&) {
        sendError(session, "Authentication failed", ack_id, "internal");
        return;
      }
      if (user != socket.user_id) {
        sendError(session, "Token does not belong to the connected user", ack_id, "forbidden");
        return;
      }
    }
    auto user_id = data.find("user_id");
    if (user_id != data.end() && !user_id->is_null()) {
      const std::string claimed =
          user_id->is_string() ? user_id->get<std::string>() : user_id->dump();
      if (claimed != socket.user_id) {
        sendError(session, "user_id does not match the authenticated user", ack_id, "forbidden");
        return;
      }
    }
  }
  SioMetrics::instance().eventOut("authenticated");
  session.sendMessage(encodeSioEvent("authenticated", json{{"user_id", socket.user_id}}));
  if (ack_id) {
    session.sendMessage(
        encodeSioAck(*ack_id, json{{"success", true}, {"user_id", socket.user_id}}));
  }
}

void SocketHub::sendError(EngineSession& session, const std::string& message,
                          std::optional<uint64_t> ack_id, const std::string& code) {
  SioMetrics::instance().eventOut("error");
  session.sendMessage(encodeSioEvent("error", json{{"message", message}}));
  if (ack_id) session.sendMessage(encodeSioAck(*ack_id, errorEnvelope(code, message)));
}

void SocketHub::disconnectSocket(const std::string& engine_sid, std::string_view reason) {
  auto it = clients_.find(engine_sid);
  if (it == clients_.end() || it->second.socket_id.empty()) return;
  const SocketRef socket{it->second.socket_id, it->second.user_id};
  it->second.socket_id.clear();
  it->second.user_id.clear();
  sockets_.erase(socket.socket_id);
  auto user = users_.find(socket.user_id);
  if (user != users_.end()) {
    auto& ids = user->second;
    ids.erase(std::remove(ids.begin(), ids.end(), socket.socket_id), ids.end());
    if (ids.empty()) users_.erase(user);
  }
  SioMetrics::instance().socketDisconnected();
  SFU_LOG_INFO("sio", "socket disconnected socket={} user={} reason=\"{}\"", socket.socket_id,
               socket.user_id, reason);
  if (!calls_) return;
  try {
    calls_->onSocketDisconnected(socket);
  } catch (const std::exception& e) {
    SFU_LOG_ERROR("sio", "onSocketDisconnected failed socket={} error={}", socket.socket_id,
                  e.what());
  }
}

}  // namespace signaling::sio
