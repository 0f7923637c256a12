// Socket.IO v5 on top of Engine.IO: namespace "/" only, token authentication at CONNECT, events
// forwarded to CallApi, acknowledgements, and the Notifier that the call logic uses to reach
// users. One Engine.IO session carries at most one Socket.IO socket.
//
//   client ──CONNECT {token}──▶ authenticate ──▶ "40{sid}"  (or "44{message}")
//   client ──EVENT [name, data] (+ack id)──▶ CallApi::onSocketEvent ──▶ ACK [result]
//   call logic ──emitToUser──▶ every socket of the user ──▶ "42[event, data]"
//
// Compatibility (DESIGN.md): the token may also come from the `token` query parameter or an
// `Authorization: Bearer` header of the handshake request; an `authenticate` event ({token} or
// {user_id}) is answered with `authenticated` {user_id}; refusals and failures of events come back
// as an `error` event {message} (and, when the client asked for an ack, an ack with the error
// envelope).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "signaling/api/call_api.h"
#include "signaling/sio/engine_server.h"
#include "signaling/sio/socketio_packet.h"

namespace signaling::sio {

class SocketHub : public Notifier, private EngineServer::Listener {
 public:
  explicit SocketHub(boost::asio::io_context& io, EngineOptions options = {});
  ~SocketHub() override;
  SocketHub(const SocketHub&) = delete;
  SocketHub& operator=(const SocketHub&) = delete;

  // The call logic that authenticates sockets and handles their events. Until attached, every
  // CONNECT is refused ("Server not ready").
  void attach(CallApi& calls) { calls_ = &calls; }

  EngineServer& engine() { return engine_; }

  // Notifier (call on the signaling thread only, like everything here)
  bool emitToUser(const std::string& user_id, const std::string& event,
                  const nlohmann::json& data) override;
  bool emitToSocket(const std::string& socket_id, const std::string& event,
                    const nlohmann::json& data) override;
  bool isOnline(const std::string& user_id) const override;

  // To every connected socket (e.g. server_shutdown); returns how many were sent.
  size_t emitToAll(const std::string& event, const nlohmann::json& data);

  size_t socketCount() const { return sockets_.size(); }
  size_t socketCount(const std::string& user_id) const;
  // Users with at least one connected socket, sorted (the dev-mode presence list of the demo).
  std::vector<std::string> onlineUsers() const;

  // Disconnects every socket and closes every Engine.IO session (shutdown).
  void closeAll();

 private:
  struct Client {
    std::weak_ptr<EngineSession> engine;
    std::string socket_id;  // empty until CONNECT succeeded
    std::string user_id;
    std::unique_ptr<boost::asio::steady_timer> connect_timer;
  };

  // EngineServer::Listener
  void onEngineOpen(EngineSession& session) override;
  void onEngineMessage(EngineSession& session, std::string_view text) override;
  void onEngineClose(const std::string& sid, std::string_view reason) override;

  void handleConnect(EngineSession& session, const std::optional<nlohmann::json>& auth);
  void handleEvent(EngineSession& session, const SocketRef& socket, const SioPacket& packet);
  void handleAuthenticate(EngineSession& session, const SocketRef& socket,
                          const nlohmann::json& data, std::optional<uint64_t> ack_id);
  void refuseConnect(EngineSession& session, const std::string& message, const std::string& code);
  void sendError(EngineSession& session, const std::string& message, std::optional<uint64_t> ack_id,
                 const std::string& code);
  void disconnectSocket(const std::string& engine_sid, std::string_view reason);
  std::optional<std::string> tokenFor(const EngineSession& session,
                                      const std::optional<nlohmann::json>& auth) const;

  boost::asio::io_context& io_;
  EngineServer engine_;
  CallApi* calls_ = nullptr;
  std::unordered_map<std::string, Client> clients_;                  // engine sid → client
  std::unordered_map<std::string, std::string> sockets_;             // socket id → engine sid
  std::unordered_map<std::string, std::vector<std::string>> users_;  // user → socket ids
};

}  // namespace signaling::sio
