#include "signaling/http/http_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/steady_timer.hpp>
#include <stdexcept>

#include "sfu/common/log.h"
#include "sfu/metrics/registry.h"
#include "signaling/http/api_routes.h"
#include "signaling/http/http_metrics.h"
#include "signaling/http/http_session.h"
#include "signaling/sio/socket_hub.h"

namespace signaling::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

std::pair<std::string_view, std::string_view> splitTarget(std::string_view target) {
  const size_t q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

bool ServerCore::isEnginePath(std::string_view target) {
  const auto path = splitTarget(target).first;
  return path == "/socket.io/" || path == "/socket.io";
}

Response ServerCore::handle(const Request& req, const std::string& remote, RequestMeta& meta) {
  const unsigned version = req.version();
  const auto [path, query] = splitTarget(req.target());
  if (path.empty() || path.front() != '/') {
    meta.route = "bad_request";
    return errorResponse(ApiError(400, "bad_request", "Bad request target"), version);
  }
  if (CorsPolicy::isPreflight(req)) {
    meta.route = "preflight";
    return cors.preflight(req);
  }

  auto match = router.match(req.method(), path);
  switch (match.outcome) {
    case Router::Outcome::kFound: {
      meta.route = match.pattern;
      RouteContext ctx{req, std::move(match.params), {}, std::string(query), remote};
      auto decoded = percentDecode(path);
      ctx.path = decoded ? *decoded : std::string(path);
      try {
        return (*match.handler)(ctx);
      } catch (const ApiError& e) {
        return errorResponse(e, version);
      } catch (const std::exception& e) {
        SFU_LOG_ERROR("http", "handler failed route={} error={}", meta.route, e.what());
        return errorResponse(ApiError(500, "internal", "Internal server error"), version);
      }
    }
    case Router::Outcome::kMethodNotAllowed: {
      meta.route = "method_not_allowed";
      Response res =
          errorResponse(ApiError(405, "method_not_allowed", "Method not allowed"), version);
      res.set(bhttp::field::allow, match.allow);
      return res;
    }
    case Router::Outcome::kNotFound:
      break;
  }

  const bool api = path == "/api" || path.substr(0, 5) == "/api/";
  if (!api && (req.method() == bhttp::verb::get || req.method() == bhttp::verb::head) &&
      static_files) {
    if (auto res = static_files->serve(path, version)) {
      meta.route = "static";
      return std::move(*res);
    }
  }
  meta.route = "not_found";
  return errorResponse(ApiError(404, "not_found", "Not found"), version);
}

// Accepts connections and starts a session for each.
class HttpServer::Listener : public std::enable_shared_from_this<HttpServer::Listener> {
 public:
  Listener(asio::io_context& io, std::shared_ptr<ServerCore> core, tcp::endpoint endpoint)
      : io_(io), acceptor_(io), backoff_(io), core_(std::move(core)) {
    beast::error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec && endpoint.address().is_v6()) acceptor_.set_option(asio::ip::v6_only(false), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      throw std::runtime_error("http: cannot listen on " + endpoint.address().to_string() + ":" +
                               std::to_string(endpoint.port()) + ": " + ec.message());
    }
  }

  void start() { doAccept(); }
  void stop() {
    beast::error_code ignored;
    acceptor_.close(ignored);
    backoff_.cancel();
  }
  uint16_t port() const {
    beast::error_code ec;
    auto ep = acceptor_.local_endpoint(ec);
    return ec ? 0 : ep.port();
  }

 private:
  void doAccept() {
    acceptor_.async_accept(io_,
                           [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
                             self->onAccept(ec, std::move(socket));
                           });
  }

  void onAccept(beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // E.g. EMFILE: back off instead of spinning on a listen queue we cannot drain.
      SFU_LOG_WARN("http", "accept failed error={}", ec.message());
      backoff_.expires_after(std::chrono::milliseconds(100));
      backoff_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
        if (!wait_ec) self->doAccept();
      });
      return;
    }
    if (core_->stopped || core_->connections >= core_->options.max_connections) {
      HttpMetrics::instance().connectionRejected();
      beast::error_code ignored;
      socket.close(ignored);
      doAccept();
      return;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::string remote = "?";
    auto ep = socket.remote_endpoint(ignored);
    if (!ignored) remote = ep.address().to_string() + ":" + std::to_string(ep.port());
    if (core_->tls) {
      std::make_shared<TlsHttpSession>(
          beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)), *core_->tls),
          core_, std::move(remote))
          ->run();
    } else {
      std::make_shared<PlainHttpSession>(beast::tcp_stream(std::move(socket)), core_,
                                         std::move(remote))
          ->run();
    }
    doAccept();
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  asio::steady_timer backoff_;
  std::shared_ptr<ServerCore> core_;
};

namespace {

std::filesystem::path findBundle(const Config& cfg, const HttpServerOptions& options,
                                 const std::filesystem::path& web_root) {
  const std::filesystem::path rel = "node_modules/socket.io-client/dist/socket.io.min.js";
  std::vector<std::filesystem::path> dirs;
  if (!options.vendor_dir.empty()) dirs.emplace_back(options.vendor_dir);
  dirs.push_back(web_root / "vendor");
  if (!cfg.web_root.empty())
    dirs.emplace_back(std::string(SFU_SOURCE_DIR) + "/signaling/web/vendor");
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(dir / rel, ec)) return dir / rel;
  }
  return dirs.front() / rel;  // where it was expected first (for the log line)
}

void loadTls(ServerCore& core, const Config& cfg) {
  auto& ctx = core.tls.emplace(asio::ssl::context::tls_server);
  ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                  asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                  asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
  beast::error_code ec;
  ctx.use_certificate_chain_file(cfg.tls_cert_file, ec);
  if (ec) {
    throw std::runtime_error("http: cannot load TLS certificate " + cfg.tls_cert_file + ": " +
                             ec.message());
  }
  ctx.use_private_key_file(cfg.tls_key_file, asio::ssl::context::pem, ec);
  if (ec) {
    throw std::runtime_error("http: cannot load TLS key " + cfg.tls_key_file + ": " + ec.message());
  }
}

}  // namespace

HttpServer::HttpServer(asio::io_context& io, const Config& cfg, CallApi& calls, sio::SocketHub& hub,
                       HttpServerOptions options)
    : core_(std::make_shared<ServerCore>()) {
  core_->options = std::move(options);
  core_->hub = &hub;
  core_->cors = CorsPolicy(cfg.cors_origins);
  hub.attach(calls);

  const std::filesystem::path web_root =
      cfg.web_root.empty() ? std::filesystem::path(SFU_SOURCE_DIR) / "signaling" / "web"
                           : std::filesystem::path(cfg.web_root);
  core_->static_files.emplace(web_root);
  core_->socketio_bundle = findBundle(cfg, core_->options, web_root);
  if (!std::filesystem::exists(core_->socketio_bundle)) {
    SFU_LOG_WARN("http",
                 "socket.io client bundle missing path={} (run `npm ci` in "
                 "signaling/web/vendor, or deploy/install-deps.sh); /socket.io/socket.io.js "
                 "will answer 404",
                 core_->socketio_bundle.string());
  }
  if (!cfg.tls_cert_file.empty() || !cfg.tls_key_file.empty()) loadTls(*core_, cfg);

  // Built-in routes.
  core_->router.add(bhttp::verb::get, "/healthz", [](const RouteContext& ctx) {
    return jsonResponse(bhttp::status::ok, {{"status", "ok"}}, ctx.request.version());
  });
  core_->router.add(bhttp::verb::get, "/readyz", [core = core_.get()](const RouteContext& ctx) {
    const bool ready = !core->stopped && (!core->ready || core->ready());
    return jsonResponse(ready ? bhttp::status::ok : bhttp::status::service_unavailable,
                        {{"status", ready ? "ready" : "not_ready"}}, ctx.request.version());
  });
  core_->router.add(bhttp::verb::get, "/metrics", [](const RouteContext& ctx) {
    auto res = textResponse(bhttp::status::ok, sfu::metrics::serialize(),
                            "text/plain; version=0.0.4; charset=utf-8", ctx.request.version());
    res.set(bhttp::field::cache_control, "no-store");
    return res;
  });
  auto bundle = [core = core_.get()](bool map) {
    return [core, map](const RouteContext& ctx) -> Response {
      auto file = core->socketio_bundle;
      if (map) file += ".map";
      auto res = StaticFiles::serveFile(
          file, map ? "application/json" : "text/javascript; charset=utf-8", ctx.request.version());
      if (!res) {
        SFU_LOG_WARN("http",
                     "socket.io client bundle not found path={}: run `npm ci` in "
                     "signaling/web/vendor",
                     file.string());
        throw ApiError(404, "not_found", "socket.io client bundle not installed");
      }
      return std::move(*res);
    };
  };
  core_->router.add(bhttp::verb::get, "/socket.io/socket.io.js", bundle(false));
  core_->router.add(bhttp::verb::get, "/socket.io/socket.io.min.js", bundle(false));
  core_->router.add(bhttp::verb::get, "/socket.io/socket.io.js.map", bundle(true));
  core_->router.add(bhttp::verb::get, "/socket.io/socket.io.min.js.map", bundle(true));
  registerCallRoutes(core_->router, calls);

  boost::system::error_code ec;
  auto address = asio::ip::make_address(cfg.listen_ip, ec);
  if (ec) throw std::runtime_error("http: bad listen address " + cfg.listen_ip);
  listener_ = std::make_shared<Listener>(io, core_, tcp::endpoint(address, cfg.http_port));
  listener_->start();
  SFU_LOG_INFO("http", "listening address={} port={} tls={} web_root={}", cfg.listen_ip, port(),
               tls(), web_root.string());
}

HttpServer::~HttpServer() {
  core_->stopped = true;
  if (listener_) listener_->stop();
}

void HttpServer::addRoute(bhttp::verb method, std::string_view pattern, Handler handler) {
  core_->router.add(method, pattern, std::move(handler));
}

void HttpServer::setReadinessCheck(std::function<bool()> check) { core_->ready = std::move(check); }

uint16_t HttpServer::port() const { return listener_ ? listener_->port() : 0; }

bool HttpServer::tls() const { return core_->tls.has_value(); }

size_t HttpServer::connectionCount() const { return core_->connections; }

void HttpServer::stop() {
  if (core_->stopped) return;
  core_->stopped = true;
  listener_->stop();
  core_->hub->closeAll();
}

}  // namespace signaling::http
