#include "sfu/media_server.h"

#include <openssl/rand.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>

#include <future>

#include "sfu/common/log.h"
#include "sfu/media_server_worker.h"
#include "sfu/metrics/registry.h"
#include "sfu/net/local_addresses.h"
#include "sfu/sctp/sctp_association.h"
#include "sfu/srtp/srtp_session.h"

namespace sfu {
namespace {

std::string randomId() {
  uint8_t bytes[12];
  RAND_bytes(bytes, sizeof(bytes));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(sizeof(bytes) * 2);
  for (uint8_t b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

}  // namespace

MediaServer::MediaServer(Config config, PostFn post_to_signaling)
    : config_(std::move(config)),
      post_(std::move(post_to_signaling)),
      caps_(sdp::Capabilities::defaults()) {}

MediaServer::~MediaServer() { stop(); }

bool MediaServer::start(std::string* error) {
  auto failWith = [&](std::string message) {
    SFU_LOG_ERROR("media", "start failed error=\"{}\"", message);
    if (error) *error = std::move(message);
    workers_.clear();
    pool_.reset();
    return false;
  };
  if (running()) return true;
  std::string err;
  if (!config_.cert_file.empty()) {
    certificate_ = dtls::Certificate::loadPemFiles(config_.cert_file, config_.key_file, &err);
  } else {
    certificate_ = dtls::Certificate::generate(dtls::Certificate::Options{}, &err);
  }
  if (!certificate_) return failWith("certificate: " + err);
  dtls_ = dtls::DtlsContext::create(certificate_, &err);
  if (!dtls_) return failWith("dtls context: " + err);
  // Libraries start here rather than in the first call: that call does not wait for them, and the
  // memory they set up once is not charged to its participants (Janus and mediasoup do the same).
  if (!srtp::SrtpSession::initLibrary()) return failWith("srtp library init failed");
  sctp::SctpAssociation::initLibrary();

  boost::system::error_code ec;
  auto listen = boost::asio::ip::make_address(config_.listen_ip, ec);
  if (ec) return failWith("bad listen ip " + config_.listen_ip);
  announced_ = config_.announced_ips;
  if (announced_.empty()) announced_.push_back(net::defaultAnnouncedAddress().to_string());

  worker::WorkerPool::Options po;
  po.workers = config_.workers;
  po.listen_ip = listen;
  po.base_port = config_.rtc_port;
  po.worker.enable_tcp = config_.enable_tcp;
  po.worker.pool_buffers = config_.pool_buffers;
  po.worker.export_metrics = config_.export_metrics;
  po.worker.udp.segmentation_offload = config_.udp_gso;
  pool_ = std::make_unique<worker::WorkerPool>(po);
  if (!pool_->open(ec)) return failWith("bind media ports: " + ec.message());

  for (size_t i = 0; i < pool_->size(); ++i) {
    auto ws = std::make_unique<WorkerState>();
    worker::Worker& w = pool_->byIndex(i);
    ws->worker = &w;
    transport::SessionRouter::Options ro;
    ro.export_metrics = config_.export_metrics;
    ws->router = std::make_unique<transport::SessionRouter>(transport::WorkerContext::of(w), ro);
    transport::WorkerTransportFactory::Config fc;
    fc.announced_ips = announced_;
    fc.udp_port = w.port();
    fc.tcp_port = w.tcp() != nullptr ? w.port() : 0;
    fc.transport.consent_timeout = config_.consent_timeout;
    fc.transport.sctp_port = caps_.sctp_port;
    fc.transport.max_message_size = caps_.max_message_size;
    ws->factory = std::make_unique<transport::WorkerTransportFactory>(*ws->router, dtls_, fc);
    ws->room_context.reset(new room::RoomContext{w.timers().clock(), w.timers(), *ws->factory,
                                                 caps_, config_.max_participants});
    if (config_.export_metrics) {
      const prometheus::Labels labels{{"worker", std::to_string(i)}};
      ws->rooms_gauge = &prometheus::BuildGauge()
                             .Name("sfu_rooms")
                             .Help("Group-call rooms living on a media worker")
                             .Register(metrics::registry())
                             .Add(labels);
      ws->participants_gauge = &prometheus::BuildGauge()
                                    .Name("sfu_room_participants")
                                    .Help("Participants of the rooms on a media worker")
                                    .Register(metrics::registry())
                                    .Add(labels);
      ws->updateRoomGauges();
    }
    WorkerState* state = ws.get();
    // Runs on the worker thread as it stops: sessions and rooms go before the sockets close.
    w.setStopHook([state] {
      for (auto& [id, session] : state->echo) session->close();
      state->echo.clear();
      state->rooms.clear();  // each Room closes its participants' transports
      state->participants = 0;
      state->updateRoomGauges();
      state->router->foldMetrics();
    });
    workers_.push_back(std::move(ws));
  }
  pool_->start([this](worker::Worker& w) -> net::PacketListener* {
    return workers_[w.index()]->router.get();
  });
  running_.store(true, std::memory_order_release);
  SFU_LOG_INFO("media", "started workers={} port={} announced={} tcp={} fingerprint={}",
               pool_->size(), workerPort(0), announced_.front(), config_.enable_tcp,
               certificate_->fingerprintHex());
  return true;
}

void MediaServer::stop() {
  if (!pool_) return;
  running_.store(false, std::memory_order_release);
  pool_->stop();
  workers_.clear();  // routers and factories after their threads are gone
  pool_.reset();
  std::lock_guard lock(mu_);
  echo_workers_.clear();
  room_workers_.clear();
}

uint16_t MediaServer::workerPort(size_t i) const {
  return i < workers_.size() ? workers_[i]->worker->port() : 0;
}

std::string MediaServer::stunUrl() const {
  if (announced_.empty() || workers_.empty()) return {};
  const std::string& ip = announced_.front();
  const bool v6 = ip.find(':') != std::string::npos;
  return "stun:" + (v6 ? "[" + ip + "]" : ip) + ":" + std::to_string(workerPort(0));
}

size_t MediaServer::echoSessionCount() const {
  std::lock_guard lock(mu_);
  return echo_workers_.size();
}

size_t MediaServer::roomCount() const {
  std::lock_guard lock(mu_);
  return room_workers_.size();
}

void MediaServer::postToSignaling(Task task) {
  if (post_) {
    post_(std::move(task));
  } else {
    task();
  }
}

void MediaServer::setListener(Listener* listener) {
  listener_.store(listener, std::memory_order_release);
}

// --- echo ----------------------------------------------------------------------------------------

void MediaServer::echoStart(const std::string& offer_sdp, std::function<void(EchoResult)> done) {
  startEcho(offer_sdp, [this, done = std::move(done)](EchoResult result) mutable {
    postToSignaling([done = std::move(done), result = std::move(result)]() mutable {
      done(std::move(result));
    });
  });
}

MediaApi::EchoResult MediaServer::echoStartSync(const std::string& offer_sdp,
                                                std::chrono::milliseconds timeout) {
  auto promise = std::make_shared<std::promise<EchoResult>>();
  auto future = promise->get_future();
  startEcho(offer_sdp, [promise](EchoResult result) { promise->set_value(std::move(result)); });
  if (future.wait_for(timeout) != std::future_status::ready) {
    // The session may still appear; unclaimed, it closes itself when ICE never connects.
    return EchoResult{false, {}, {}, "media server busy"};
  }
  return future.get();
}

bool MediaServer::hasEchoSession(const std::string& session_id) const {
  std::lock_guard lock(mu_);
  return echo_workers_.count(session_id) != 0;
}

void MediaServer::startEcho(const std::string& offer_sdp, std::function<void(EchoResult)> deliver) {
  if (!running()) {
    deliver(EchoResult{false, {}, {}, "media server not running"});
    return;
  }
  worker::Worker& w = pool_->pick();
  const size_t index = w.index();
  const std::string id = randomId();
  w.addLoad(1);
  {
    std::lock_guard lock(mu_);
    echo_workers_[id] = index;
  }
  w.post([this, index, id, offer = offer_sdp, deliver = std::move(deliver)]() mutable {
    WorkerState& ws = *workers_[index];
    auto created =
        echo::EchoSession::create(*ws.factory, ws.worker->timers(), offer, caps_,
                                  [this, index, id](echo::EchoSession&, std::string_view reason) {
                                    onEchoClosed(index, id, reason);
                                  });
    EchoResult result;
    if (!created.session) {
      result.error = created.error;
      ws.worker->addLoad(-1);
      std::lock_guard lock(mu_);
      echo_workers_.erase(id);
    } else {
      ws.echo.emplace(id, std::move(created.session));
      result.ok = true;
      result.session_id = id;
      result.sdp = std::move(created.answer_sdp);
      SFU_LOG_INFO("echo", "started session={} worker={}", id, index);
    }
    deliver(std::move(result));
  });
}

// On the worker thread, from inside the session's transport callback.
void MediaServer::onEchoClosed(size_t index, const std::string& id, std::string_view reason) {
  SFU_LOG_INFO("echo", "closed session={} reason=\"{}\"", id, reason);
  WorkerState& ws = *workers_[index];
  {
    std::lock_guard lock(mu_);
    echo_workers_.erase(id);
  }
  auto it = ws.echo.find(id);
  if (it == ws.echo.end()) return;
  ws.worker->addLoad(-1);
  // Destroying the session here is allowed (MediaTransport::Listener::onTransportClosed); the
  // session calls a copy of this callback, so `id` and `reason` stay valid.
  ws.echo.erase(it);
}

void MediaServer::echoStop(const std::string& session_id) {
  size_t index = 0;
  {
    std::lock_guard lock(mu_);
    auto it = echo_workers_.find(session_id);
    if (it == echo_workers_.end()) return;
    index = it->second;
    echo_workers_.erase(it);
  }
  if (!running()) return;
  workers_[index]->worker->post([this, index, session_id] {
    WorkerState& ws = *workers_[index];
    auto it = ws.echo.find(session_id);
    if (it == ws.echo.end()) return;
    it->second->close();
    ws.echo.erase(it);
    ws.worker->addLoad(-1);
    SFU_LOG_INFO("echo", "stopped session={}", session_id);
  });
}

void MediaServer::foldMetrics() {
  if (!running()) return;
  std::vector<std::future<void>> done;
  for (auto& ws : workers_) {
    auto p = std::make_shared<std::promise<void>>();
    done.push_back(p->get_future());
    transport::SessionRouter* router = ws->router.get();
    ws->worker->post([router, p] {
      router->foldMetrics();
      p->set_value();
    });
  }
  for (auto& f : done) f.wait_for(std::chrono::seconds(2));
}

}  // namespace sfu
