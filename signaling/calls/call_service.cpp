#include "signaling/calls/call_service.h"

#include <stdexcept>

#include "sfu/common/log.h"
#include "signaling/auth/jwt.h"

namespace signaling {

CallService::CallService(boost::asio::io_context& io, const Config& cfg, Notifier& notifier,
                         sfu::MediaApi* media)
    : secret_(cfg.jwt_secret), scheduler_(io) {
  auth::JwtVerifier verifier(cfg.jwt_secret);
  if (!cfg.jwt_public_key_file.empty()) {
    std::string err;
    if (!verifier.loadPublicKeyFile(cfg.jwt_public_key_file, &err)) {
      throw std::runtime_error("JWT public key: " + err);
    }
    SFU_LOG_INFO("auth", "JWT public key loaded; HS256 tokens are refused file={}",
                 cfg.jwt_public_key_file);
  }
  store_ = std::make_unique<store::SqliteCallStore>(
      store::SqliteCallStore::Options{cfg.db_path, cfg.db_key});
  core_ = std::make_unique<calls::CallCore>(calls::CoreOptions::fromConfig(cfg), scheduler_,
                                            notifier, *store_, std::move(verifier), media);
}

CallService::~CallService() {
  core_.reset();  // before the store and the scheduler it uses
  store_.reset();
}

std::string CallService::issueToken(const std::string& user_id, int64_t ttl_s) const {
  int64_t now = scheduler_.nowMs() / 1000;
  return auth::signHs256(
      {{"sub", user_id}, {"user_id", user_id}, {"iat", now}, {"exp", now + ttl_s}}, secret_);
}

}  // namespace signaling
