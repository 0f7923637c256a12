#include "sfu/sctp/sctp_association.h"

#include <arpa/inet.h>
#include <usrsctp.h>

#include <pthread.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "sfu/common/log.h"

namespace sfu::sctp {
namespace {

// Process-wide registry of live associations: usrsctp threads read it (to find the post hook),
// owner threads add/remove their own entries.
struct Registry {
  std::mutex mutex;
  std::unordered_map<uintptr_t, std::pair<SctpAssociation*, SctpAssociation::PostFn>> live;
};

Registry& registry() {
  static Registry* r = new Registry();  // never destroyed: usrsctp threads may outlive statics
  return *r;
}

std::atomic<uintptr_t> gNextId{1};

// usrsctp's own timer thread ticks every 10 ms for the life of the process, association or not:
// 100 wakeups a second on a media core of a server whose calls open no data channel. This one
// (usrsctp_init_nothreads + usrsctp_handle_timers) ticks only while an association's socket
// exists (a transport without an application m-section never starts one), and
// for kGrace after the last one is gone, so that aborts and shutdowns still run to their end.
//
// The tick is 20 ms, not usrsctp's 10: each usrsctp_handle_timers walks every pending callout of
// every association (at 1 room of 8, 15 µs a tick: 5 % of the process's user time, outside the
// packet path). The finest timer is the 20 ms delayed SACK, which then fires within 20-40 ms; it
// only matters for a lone packet (every second one is acknowledged at once), and retransmission
// timers start at 1 s.
//
// Quiet associations (no chunk in or out for kBusyTicks ticks: a call whose data channels carry
// nothing) tick every kIdleTick instead. What is armed then is a heartbeat (30 s) or a shutdown
// guard, for which 200 ms late is nothing; the first chunk in or out kicks the driver back to
// 20 ms at once, before it could have armed a delayed SACK or a retransmission.
class TimerDriver {
 public:
  static constexpr auto kTick = std::chrono::milliseconds(20);
  static constexpr auto kIdleTick = std::chrono::milliseconds(200);
  static constexpr int kBusyTicks = 50;  // 1 s of 20 ms ticks
  static constexpr auto kGrace = std::chrono::seconds(60);

  void start() {
    std::thread([this] { run(); }).detach();
  }

  void associationAdded() {
    std::lock_guard lock(mutex_);
    if (live_++ == 0) wake_.notify_one();
  }
  void associationRemoved() {
    std::lock_guard lock(mutex_);
    --live_;
    lastGone_ = std::chrono::steady_clock::now();
  }

  // A chunk went in or out (any thread). Takes the lock only to end an idle sleep.
  void activity() {
    activity_.fetch_add(1, std::memory_order_relaxed);
    if (!idle_.load(std::memory_order_relaxed)) return;
    std::lock_guard lock(mutex_);
    if (!idle_.load(std::memory_order_relaxed)) return;
    idle_.store(false, std::memory_order_relaxed);
    wake_.notify_one();
  }

  SctpAssociation::TimerTicks ticks() const {
    return {busy_ticks_.load(std::memory_order_relaxed),
            idle_ticks_.load(std::memory_order_relaxed),
            woken_ticks_.load(std::memory_order_relaxed)};
  }

 private:
  void run() {
    pthread_setname_np(pthread_self(), "sctp-timers");
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [this] { return live_ > 0; });
      }
      auto last = std::chrono::steady_clock::now();
      uint64_t seen = activity_.load(std::memory_order_relaxed);
      int quiet = 0;
      for (;;) {
        if (quiet < kBusyTicks) {
          std::this_thread::sleep_until(nextOnGrid(kTick));
          busy_ticks_.fetch_add(1, std::memory_order_relaxed);
        } else {
          std::unique_lock lock(mutex_);
          idle_.store(true, std::memory_order_relaxed);
          // A chunk that moved since the last tick, before idle_ was visible, ends it too.
          const auto deadline = nextOnGrid(kIdleTick);
          const bool moved = wake_.wait_until(lock, deadline, [this, seen] {
            return !idle_.load(std::memory_order_relaxed) ||
                   activity_.load(std::memory_order_relaxed) != seen;
          });
          idle_.store(false, std::memory_order_relaxed);
          // Woken: ended by a chunk before the deadline (not merely seen when it came).
          const bool woken = moved && std::chrono::steady_clock::now() < deadline;
          (woken ? woken_ticks_ : idle_ticks_).fetch_add(1, std::memory_order_relaxed);
        }
        const auto now = std::chrono::steady_clock::now();
        const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - last);
        last += elapsed;  // the sub-millisecond rest counts toward the next tick
        usrsctp_handle_timers(static_cast<uint32_t>(elapsed.count()));
        const uint64_t count = activity_.load(std::memory_order_relaxed);
        quiet = count == seen ? quiet + 1 : 0;
        seen = count;
        std::lock_guard lock(mutex_);
        if (live_ == 0 && now - lastGone_ > kGrace) break;
      }
    }
  }

  // The next multiple of tick on the steady clock (CLOCK_MONOTONIC), the grid the workers' timer
  // wheels wake on: expiring together, the timers cost the core one wakeup.
  static std::chrono::steady_clock::time_point nextOnGrid(std::chrono::milliseconds tick) {
    const auto now = std::chrono::steady_clock::now().time_since_epoch();
    return std::chrono::steady_clock::time_point((now / tick + 1) * tick);
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  size_t live_ = 0;
  std::chrono::steady_clock::time_point lastGone_;
  std::atomic<uint64_t> activity_{0};
  std::atomic<bool> idle_{false};
  std::atomic<uint64_t> busy_ticks_{0};
  std::atomic<uint64_t> idle_ticks_{0};
  std::atomic<uint64_t> woken_ticks_{0};
};

TimerDriver& timers() {
  static TimerDriver* t = new TimerDriver();  // never destroyed, like the registry
  return *t;
}

template <typename T>
bool setOption(struct socket* sock, int level, int name, const T& value) {
  return usrsctp_setsockopt(sock, level, name, &value, sizeof(value)) == 0;
}

}  // namespace

void SctpAssociation::initLibrary() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Port 0: no UDP encapsulation; AF_CONN only, output through onConnOutput. No threads of
    // usrsctp's own (no raw-socket receive threads, TimerDriver for the timers).
    usrsctp_init_nothreads(0, &SctpAssociation::onConnOutput, nullptr);
    timers().start();
    // WebRTC practice: no ECN over DTLS, prompt SACKs, bounded init retransmissions.
    usrsctp_sysctl_set_sctp_ecn_enable(0);
    usrsctp_sysctl_set_sctp_delayed_sack_time_default(20);
    usrsctp_sysctl_set_sctp_enable_sack_immediately(1);
    usrsctp_sysctl_set_sctp_init_rtx_max_default(5);
    usrsctp_sysctl_set_sctp_rto_initial_default(1000);
  });
}

SctpAssociation::SctpAssociation(Listener& listener, Options options)
    : listener_(listener),
      options_(std::move(options)),
      id_(gNextId.fetch_add(1)),
      nextStream_(options_.dtlsClient ? 0 : 1) {
  initLibrary();
  {
    std::lock_guard lock(registry().mutex);
    registry().live[id_] = {this, options_.post};
  }
}

SctpAssociation::~SctpAssociation() {
  if (destroyed_) *destroyed_ = true;
  {
    std::lock_guard lock(registry().mutex);
    registry().live.erase(id_);
  }
  if (sock_) {
    usrsctp_close(sock_);
    usrsctp_deregister_address(reinterpret_cast<void*>(id_));
    timers().associationRemoved();
  }
}

SctpAssociation::TimerTicks SctpAssociation::timerTicks() { return timers().ticks(); }

void SctpAssociation::postToLive(uintptr_t id, std::function<void(SctpAssociation&)> fn) {
  PostFn post;
  {
    std::lock_guard lock(registry().mutex);
    auto it = registry().live.find(id);
    if (it == registry().live.end()) return;
    post = it->second.second;
  }
  if (!post) return;
  post([id, fn = std::move(fn)] {
    SctpAssociation* self = nullptr;
    {
      std::lock_guard lock(registry().mutex);
      auto it = registry().live.find(id);
      if (it != registry().live.end()) self = it->second.first;
    }
    // On the owner's thread: destruction also happens here, so `self` stays valid for the call.
    if (self) fn(*self);
  });
}

// --- usrsctp trampolines (any thread) ----------------------------------------------------------

int SctpAssociation::onConnOutput(void* addr, void* buffer, size_t length, uint8_t /*tos*/,
                                  uint8_t /*setDf*/) {
  const auto id = reinterpret_cast<uintptr_t>(addr);
  timers().activity();
  std::vector<uint8_t> packet(static_cast<uint8_t*>(buffer),
                              static_cast<uint8_t*>(buffer) + length);
  // Delivered even after close(): SHUTDOWN and its acknowledgements must still go out.
  postToLive(id, [packet = std::move(packet)](SctpAssociation& self) {
    self.listener_.onSctpSend(packet);
  });
  return 0;
}

int SctpAssociation::onReceive(struct socket* /*sock*/, union ::sctp_sockstore /*addr*/, void* data,
                               size_t length, struct ::sctp_rcvinfo info, int flags,
                               void* ulpInfo) {
  if (!data) return 1;  // association gone
  Incoming incoming;
  incoming.data.assign(static_cast<uint8_t*>(data), static_cast<uint8_t*>(data) + length);
  // usrsctp allocates the buffer for us to free.
  std::free(data);
  incoming.stream = info.rcv_sid;
  incoming.ppid = ntohl(info.rcv_ppid);
  incoming.flags = flags;
  postToLive(reinterpret_cast<uintptr_t>(ulpInfo),
             [incoming = std::move(incoming)](SctpAssociation& self) mutable {
               self.onIncoming(std::move(incoming));
             });
  return 1;
}

// --- owner thread --------------------------------------------------------------------------------

bool SctpAssociation::start() {
  if (sock_) return true;
  usrsctp_register_address(reinterpret_cast<void*>(id_));
  sock_ = usrsctp_socket(AF_CONN, SOCK_STREAM, IPPROTO_SCTP, &SctpAssociation::onReceive, nullptr,
                         0, reinterpret_cast<void*>(id_));
  if (!sock_) {
    SFU_LOG_WARN("sctp", "usrsctp_socket failed errno={}", errno);
    usrsctp_deregister_address(reinterpret_cast<void*>(id_));
    return false;
  }
  timers().associationAdded();  // a socket has timers from here on
  usrsctp_set_non_blocking(sock_, 1);
  // Closing aborts at once: nothing lingers after the transport is gone.
  struct linger lingerOpt {
    1, 0
  };
  setOption(sock_, SOL_SOCKET, SO_LINGER, lingerOpt);
  sctp_assoc_value reset{};
  reset.assoc_id = SCTP_ALL_ASSOC;
  reset.assoc_value = SCTP_ENABLE_RESET_STREAM_REQ;
  setOption(sock_, IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, reset);
  const int on = 1;
  setOption(sock_, IPPROTO_SCTP, SCTP_RECVRCVINFO, on);
  setOption(sock_, IPPROTO_SCTP, SCTP_NODELAY, on);
  for (uint16_t type : {SCTP_ASSOC_CHANGE, SCTP_STREAM_RESET_EVENT, SCTP_SHUTDOWN_EVENT,
                        SCTP_REMOTE_ERROR, SCTP_SEND_FAILED_EVENT}) {
    sctp_event event{};
    event.se_assoc_id = SCTP_ALL_ASSOC;
    event.se_type = type;
    event.se_on = 1;
    setOption(sock_, IPPROTO_SCTP, SCTP_EVENT, event);
  }
  sctp_initmsg init{};
  init.sinit_num_ostreams = options_.streams;
  init.sinit_max_instreams = options_.streams;
  setOption(sock_, IPPROTO_SCTP, SCTP_INITMSG, init);
  // RFC 8261 §5: no PMTU discovery of our own; the DTLS MTU bounds every packet.
  sctp_paddrparams params{};
  params.spp_flags = SPP_PMTUD_DISABLE;
  params.spp_pathmtu = options_.mtu;
  setOption(sock_, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, params);

  sockaddr_conn local{};
  local.sconn_family = AF_CONN;
  local.sconn_port = htons(options_.localPort);
  local.sconn_addr = reinterpret_cast<void*>(id_);
  if (usrsctp_bind(sock_, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) {
    SFU_LOG_WARN("sctp", "usrsctp_bind failed errno={}", errno);
    return false;
  }
  sockaddr_conn remote = local;
  remote.sconn_port = htons(options_.remotePort);
  if (usrsctp_connect(sock_, reinterpret_cast<sockaddr*>(&remote), sizeof(remote)) != 0 &&
      errno != EINPROGRESS) {
    SFU_LOG_WARN("sctp", "usrsctp_connect failed errno={}", errno);
    return false;
  }
  return true;
}

void SctpAssociation::handleDtlsData(std::span<const uint8_t> packet) {
  // Also after close(): the SHUTDOWN exchange still needs the peer's chunks.
  if (!sock_ || packet.empty()) return;
  timers().activity();
  usrsctp_conninput(reinterpret_cast<void*>(id_), packet.data(), packet.size(), 0);
}

void SctpAssociation::onIncoming(Incoming incoming) {
  bool destroyed = false;
  destroyed_ = &destroyed;
  // usrsctp hands over large messages in pieces; MSG_EOR marks the last one.
  if (!(incoming.flags & MSG_EOR)) {
    if (partial_.size() + incoming.data.size() > options_.maxMessageSize) {
      ++stats_.dropped;
      partial_.clear();
      partial_.shrink_to_fit();
    } else {
      partial_.insert(partial_.end(), incoming.data.begin(), incoming.data.end());
    }
    destroyed_ = nullptr;
    return;
  }
  std::vector<uint8_t> whole;
  if (!partial_.empty()) {
    whole = std::move(partial_);
    partial_.clear();
    whole.insert(whole.end(), incoming.data.begin(), incoming.data.end());
  } else {
    whole = std::move(incoming.data);
  }
  if (incoming.flags & MSG_NOTIFICATION) {
    onNotification(whole);
  } else {
    ++stats_.messagesReceived;
    if (incoming.ppid == static_cast<uint32_t>(Ppid::kDcep)) {
      onDcep(incoming.stream, whole);
    } else {
      onUserMessage(incoming.stream, incoming.ppid, whole);
    }
  }
  if (!destroyed) destroyed_ = nullptr;
}

void SctpAssociation::onNotification(std::span<const uint8_t> data) {
  if (data.size() < sizeof(sctp_notification::sn_header)) return;
  sctp_notification n;
  std::memset(&n, 0, sizeof(n));
  std::memcpy(&n, data.data(), std::min(data.size(), sizeof(n)));
  switch (n.sn_header.sn_type) {
    case SCTP_ASSOC_CHANGE:
      switch (n.sn_assoc_change.sac_state) {
        case SCTP_COMM_UP:
          if (!connected_) {
            connected_ = true;
            SFU_LOG_DEBUG("sctp", "association up id={}", id_);
            listener_.onSctpConnected();
          }
          break;
        case SCTP_COMM_LOST:
        case SCTP_SHUTDOWN_COMP:
        case SCTP_CANT_STR_ASSOC:
          if (!closed_) {
            connected_ = false;
            closed_ = true;
            SFU_LOG_DEBUG("sctp", "association down id={} state={}", id_,
                          n.sn_assoc_change.sac_state);
            listener_.onSctpClosed();
          }
          break;
        default:
          break;
      }
      break;
    case SCTP_SHUTDOWN_EVENT:
      // The peer sent SHUTDOWN (RFC 4960 §9.2): it will send no more data.
      if (!closed_) {
        connected_ = false;
        closed_ = true;
        listener_.onSctpClosed();
      }
      break;
    case SCTP_STREAM_RESET_EVENT: {
      // The stream list follows the fixed part of the event.
      const size_t fixed = offsetof(sctp_stream_reset_event, strreset_stream_list);
      const size_t length = std::min<size_t>(n.sn_strreset_event.strreset_length, data.size());
      if (length < fixed) break;
      std::vector<uint16_t> streams((length - fixed) / sizeof(uint16_t));
      std::memcpy(streams.data(), data.data() + fixed, streams.size() * sizeof(uint16_t));
      const uint16_t flags = n.sn_strreset_event.strreset_flags;
      if (flags & (SCTP_STREAM_RESET_DENIED | SCTP_STREAM_RESET_FAILED)) break;
      if (flags & SCTP_STREAM_RESET_INCOMING_SSN) onStreamReset(streams, true);
      break;
    }
    default:
      break;
  }
}

void SctpAssociation::onStreamReset(std::span<const uint16_t> streams, bool /*incoming*/) {
  // RFC 8831 §6.7: the peer reset its outgoing stream. If we had not started closing, reset ours
  // too; either way the channel is closed now.
  for (uint16_t stream : streams) {
    auto it = channels_.find(stream);
    if (it == channels_.end()) continue;
    if (it->second.state != ChannelState::kClosing) resetOutgoing(stream);
    channels_.erase(it);
    listener_.onDataChannelClosed(stream);
    if (destroyed_ && *destroyed_) return;
  }
}

void SctpAssociation::onDcep(uint16_t stream, std::span<const uint8_t> message) {
  DcepParseResult parsed = parseDcep(message);
  if (!parsed.type) {
    ++stats_.dropped;
    return;
  }
  if (*parsed.type == DcepMessageType::kOpen) {
    // RFC 8832 §6: the opener uses its own parity; a collision with our channel is dropped.
    if (channels_.count(stream) != 0) {
      ++stats_.dropped;
      return;
    }
    Channel channel;
    channel.state = ChannelState::kOpen;
    channel.params = std::move(parsed.open);
    auto& stored = channels_[stream] = std::move(channel);
    const auto ack = buildDcepAck();
    sendRaw(stream, static_cast<uint32_t>(Ppid::kDcep), false, nullptr, ack);
    listener_.onDataChannelOpen(stream, stored.params.label, stored.params.protocol);
    return;
  }
  // ACK for a channel we opened.
  auto it = channels_.find(stream);
  if (it == channels_.end() || !it->second.localOpened ||
      it->second.state != ChannelState::kOpening) {
    ++stats_.dropped;
    return;
  }
  it->second.state = ChannelState::kOpen;
  listener_.onDataChannelOpen(stream, it->second.params.label, it->second.params.protocol);
}

void SctpAssociation::onUserMessage(uint16_t stream, uint32_t ppid,
                                    std::span<const uint8_t> message) {
  auto it = channels_.find(stream);
  if (it == channels_.end()) {
    ++stats_.dropped;
    return;
  }
  switch (static_cast<Ppid>(ppid)) {
    case Ppid::kString:
    case Ppid::kStringPartialDeprecated:
      listener_.onDataChannelMessage(stream, false, message);
      return;
    case Ppid::kBinary:
    case Ppid::kBinaryPartialDeprecated:
      listener_.onDataChannelMessage(stream, true, message);
      return;
    case Ppid::kStringEmpty:
      // RFC 8831 §6.6: the one-byte payload carries no data.
      listener_.onDataChannelMessage(stream, false, {});
      return;
    case Ppid::kBinaryEmpty:
      listener_.onDataChannelMessage(stream, true, {});
      return;
    default:
      ++stats_.dropped;
      return;
  }
}

std::optional<uint16_t> SctpAssociation::openChannel(const std::string& label,
                                                     const std::string& protocol, ChannelType type,
                                                     uint32_t reliabilityParameter) {
  if (!connected_ || closed_) return std::nullopt;
  while (nextStream_ < options_.streams && channels_.count(nextStream_) != 0) nextStream_ += 2;
  if (nextStream_ >= options_.streams) return std::nullopt;
  const uint16_t stream = nextStream_;
  nextStream_ += 2;
  Channel channel;
  channel.localOpened = true;
  channel.params.channelType = type;
  channel.params.reliabilityParameter = reliabilityParameter;
  channel.params.label = label;
  channel.params.protocol = protocol;
  const auto open = buildDcepOpen(channel.params);
  channels_[stream] = std::move(channel);
  if (!sendRaw(stream, static_cast<uint32_t>(Ppid::kDcep), false, nullptr, open)) {
    channels_.erase(stream);
    return std::nullopt;
  }
  return stream;
}

bool SctpAssociation::sendMessage(uint16_t id, bool binary, std::span<const uint8_t> data) {
  auto it = channels_.find(id);
  if (it == channels_.end() || it->second.state == ChannelState::kClosing) return false;
  if (data.size() > options_.maxMessageSize) return false;
  static constexpr uint8_t kEmptyPayload[1] = {0};
  uint32_t ppid;
  std::span<const uint8_t> payload = data;
  if (data.empty()) {
    ppid = static_cast<uint32_t>(binary ? Ppid::kBinaryEmpty : Ppid::kStringEmpty);
    payload = kEmptyPayload;
  } else {
    ppid = static_cast<uint32_t>(binary ? Ppid::kBinary : Ppid::kString);
  }
  // RFC 8832 §6: ordered until the ACK arrives, then as the channel type says.
  const bool unordered =
      it->second.state == ChannelState::kOpen && isUnordered(it->second.params.channelType);
  if (!sendRaw(id, ppid, unordered, &it->second, payload)) return false;
  ++stats_.messagesSent;
  return true;
}

bool SctpAssociation::sendRaw(uint16_t stream, uint32_t ppid, bool unordered,
                              const Channel* channel, std::span<const uint8_t> data) {
  if (!sock_ || closed_) return false;
  sctp_sendv_spa spa{};
  spa.sendv_flags = SCTP_SEND_SNDINFO_VALID;
  spa.sendv_sndinfo.snd_sid = stream;
  spa.sendv_sndinfo.snd_ppid = htonl(ppid);
  spa.sendv_sndinfo.snd_flags = unordered ? SCTP_UNORDERED : 0;
  if (channel && channel->state == ChannelState::kOpen) {
    // RFC 8831 §6.6 partial reliability through PR-SCTP policies.
    const uint8_t kind = static_cast<uint8_t>(channel->params.channelType) & 0x7f;
    if (kind == 0x01 || kind == 0x02) {
      spa.sendv_flags |= SCTP_SEND_PRINFO_VALID;
      spa.sendv_prinfo.pr_policy = kind == 0x01 ? SCTP_PR_SCTP_RTX : SCTP_PR_SCTP_TTL;
      spa.sendv_prinfo.pr_value = channel->params.reliabilityParameter;
    }
  }
  ssize_t n = usrsctp_sendv(sock_, data.data(), data.size(), nullptr, 0, &spa, sizeof(spa),
                            SCTP_SENDV_SPA, 0);
  return n >= 0 && static_cast<size_t>(n) == data.size();
}

void SctpAssociation::resetOutgoing(uint16_t stream) {
  if (!sock_ || closed_) return;
  const size_t length = sizeof(sctp_reset_streams) + sizeof(uint16_t);
  std::vector<uint8_t> buffer(length, 0);
  auto* srs = reinterpret_cast<sctp_reset_streams*>(buffer.data());
  srs->srs_assoc_id = SCTP_ALL_ASSOC;
  srs->srs_flags = SCTP_STREAM_RESET_OUTGOING;
  srs->srs_number_streams = 1;
  srs->srs_stream_list[0] = stream;
  usrsctp_setsockopt(sock_, IPPROTO_SCTP, SCTP_RESET_STREAMS, srs, static_cast<socklen_t>(length));
}

void SctpAssociation::closeChannel(uint16_t id) {
  auto it = channels_.find(id);
  if (it == channels_.end() || it->second.state == ChannelState::kClosing) return;
  it->second.state = ChannelState::kClosing;
  resetOutgoing(id);
}

void SctpAssociation::close() {
  if (!sock_ || closed_) return;
  // SHUTDOWN (RFC 4960 §9.2) once queued data is out; like DtlsTransport::close(), no callback
  // for the side that closes.
  usrsctp_shutdown(sock_, SHUT_RDWR);
  closed_ = true;
  connected_ = false;
}

bool SctpAssociation::channelOpen(uint16_t id) const {
  auto it = channels_.find(id);
  return it != channels_.end() && it->second.state == ChannelState::kOpen;
}

}  // namespace sfu::sctp
