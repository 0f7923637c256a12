// The seam between the socket layer and whatever routes packets (the demux + session router of
// sfu/transport). UDP datagrams and ICE-TCP frames arrive through the same listener; an ICE-TCP
// packet carries its connection in the endpoint (Transport::kTcp + connection id), so answering
// with PacketSender::send(remote, ...) goes back on the same connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "sfu/net/endpoint.h"
#include "sfu/net/packet_buffer.h"

namespace sfu::net {

struct ReceivedPacket {
  Endpoint remote;
  // buffer.size() is the datagram / frame length; capacity() leaves tailroom for in-place
  // processing. The listener may move the buffer out to keep it (zero copy); buffers left in the
  // span are recycled for the next receive once the callback returns.
  PacketBuffer buffer;
};

class PacketListener {
 public:
  virtual ~PacketListener() = default;
  // A batch of received packets, on the worker thread. Replies queued during the callback are
  // flushed together once it returns.
  virtual void onPacketsReceived(std::span<ReceivedPacket> packets) = 0;
  // An ICE-TCP connection went away (peer close, error, bad framing, closeConnection()); its
  // endpoint is stale from now on.
  virtual void onConnectionClosed(const Endpoint& remote) { (void)remote; }
};

class PacketSender {
 public:
  virtual ~PacketSender() = default;
  // Queues a copy of data for remote (UDP or ICE-TCP by remote.transport()). False when dropped
  // (queue full, pool exhausted, unknown connection, oversize); drops are counted by the sender.
  virtual bool send(const Endpoint& remote, const uint8_t* data, size_t len) = 0;
  // Zero-copy variant: the buffer (size() bytes) is handed over.
  virtual bool send(const Endpoint& remote, PacketBuffer&& buffer) = 0;
  // Closes an ICE-TCP connection (no-op for UDP endpoints).
  virtual void closeConnection(const Endpoint& remote) = 0;
};

}  // namespace sfu::net
