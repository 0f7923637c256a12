// The production CallApi: the call state machine (CallCore) wired to Asio timers on the signaling
// io_context, the SQLite call store (cfg.db_path, cfg.db_key) and the JWT verifier (cfg.jwt_secret,
// cfg.jwt_public_key_file). main.cpp:
//   signaling::CallService calls(io, cfg, hub, media);   // media may be null (no SFU)
// The constructor throws std::runtime_error (store::StoreError included) when the key file or the
// database cannot be used; main reports it and exits.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>

#include "sfu/api/media_api.h"
#include "signaling/api/call_api.h"
#include "signaling/calls/asio_scheduler.h"
#include "signaling/calls/call_core.h"
#include "signaling/config/config.h"
#include "signaling/store/sqlite_call_store.h"

namespace signaling {

class CallService : public CallApi {
 public:
  CallService(boost::asio::io_context& io, const Config& cfg, Notifier& notifier,
              sfu::MediaApi* media);
  ~CallService() override;

  // An HS256 token for `user_id` valid `ttl_s` seconds, signed with cfg.jwt_secret (the dev-token
  // endpoint; only meaningful with a secret).
  std::string issueToken(const std::string& user_id, int64_t ttl_s = 3600) const;
  calls::CallCore& core() { return *core_; }
  // Readiness: the call store can take a write now.
  bool storeWritable() { return store_->writable(); }

  std::string authenticate(std::string_view token) override { return core_->authenticate(token); }
  nlohmann::json initiate(const std::string& user_id, const nlohmann::json& body) override {
    return core_->initiate(user_id, body);
  }
  nlohmann::json answer(const std::string& user_id, const std::string& call_id,
                        const nlohmann::json& body) override {
    return core_->answer(user_id, call_id, body);
  }
  nlohmann::json end(const std::string& user_id, const std::string& call_id) override {
    return core_->end(user_id, call_id);
  }
  nlohmann::json get(const std::string& user_id, const std::string& call_id) override {
    return core_->get(user_id, call_id);
  }
  nlohmann::json active(const std::string& user_id) override { return core_->active(user_id); }
  nlohmann::json history(const std::string& user_id, int limit, int offset) override {
    return core_->history(user_id, limit, offset);
  }
  nlohmann::json quality(const std::string& user_id, const std::string& call_id,
                         const nlohmann::json& body) override {
    return core_->quality(user_id, call_id, body);
  }
  void onSocketConnected(const SocketRef& socket) override { core_->onSocketConnected(socket); }
  void onSocketDisconnected(const SocketRef& socket) override {
    core_->onSocketDisconnected(socket);
  }
  std::optional<nlohmann::json> onSocketEvent(const SocketRef& socket, const std::string& event,
                                              const nlohmann::json& data) override {
    return core_->onSocketEvent(socket, event, data);
  }

 private:
  std::string secret_;
  calls::AsioScheduler scheduler_;
  std::unique_ptr<store::SqliteCallStore> store_;
  std::unique_ptr<calls::CallCore> core_;
};

}  // namespace signaling
