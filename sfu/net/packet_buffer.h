// Pooled packet buffers for the media path: fixed-size blocks preallocated per worker, handed out
// as move-only PacketBuffer handles that return themselves to the pool when dropped. Acquiring and
// releasing never touches the heap; an empty pool yields an empty handle and bumps a counter, it
// never throws or aborts.
//
// Single-threaded: a pool and every buffer taken from it belong to one worker thread. The pool must
// outlive its buffers (the worker declares its pool before everything that can hold one).
//
// Size: 1500 bytes of MTU-sized datagram plus tailroom for what the SRTP layer appends in place
// (auth tag, MKI, RTX/padding rewrites), rounded up to 2048 so blocks stay cache-line aligned.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace sfu::net {

inline constexpr size_t kPacketBufferSize = 2048;

class PacketPool;

class PacketBuffer {
 public:
  PacketBuffer() = default;
  PacketBuffer(PacketBuffer&& other) noexcept;
  PacketBuffer& operator=(PacketBuffer&& other) noexcept;
  PacketBuffer(const PacketBuffer&) = delete;
  PacketBuffer& operator=(const PacketBuffer&) = delete;
  ~PacketBuffer() { reset(); }

  explicit operator bool() const { return data_ != nullptr; }
  bool empty() const { return data_ == nullptr; }
  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t capacity() const { return capacity_; }
  // Bytes in use (the datagram length). setSize clamps to capacity.
  size_t size() const { return size_; }
  void setSize(size_t n) { size_ = static_cast<uint32_t>(n < capacity_ ? n : capacity_); }
  std::span<uint8_t> bytes() { return {data_, size_}; }
  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  // Returns the block to its pool now; the handle becomes empty.
  void reset();

 private:
  friend class PacketPool;
  PacketBuffer(PacketPool* pool, uint8_t* data, uint32_t capacity)
      : pool_(pool), data_(data), capacity_(capacity) {}

  PacketPool* pool_ = nullptr;
  uint8_t* data_ = nullptr;
  uint32_t size_ = 0;
  uint32_t capacity_ = 0;
};

class PacketPool {
 public:
  explicit PacketPool(size_t count, size_t buffer_size = kPacketBufferSize);
  ~PacketPool();
  PacketPool(const PacketPool&) = delete;
  PacketPool& operator=(const PacketPool&) = delete;

  // An empty handle when the pool is exhausted (counted in exhausted()).
  PacketBuffer acquire();
  // acquire() and copy data in; empty when exhausted or len > bufferSize() (counted as oversize).
  PacketBuffer copy(const uint8_t* data, size_t len);

  size_t bufferSize() const { return buffer_size_; }
  size_t capacity() const { return count_; }
  size_t available() const { return free_.size(); }
  size_t inUse() const { return count_ - free_.size(); }
  // Fewest free buffers ever seen (how close the pool came to running dry).
  size_t lowWatermark() const { return low_watermark_; }
  uint64_t acquired() const { return acquired_; }
  uint64_t exhausted() const { return exhausted_; }
  uint64_t oversize() const { return oversize_; }

 private:
  friend class PacketBuffer;
  void release(uint8_t* data);

  struct FreeDeleter {
    void operator()(uint8_t* p) const;
  };

  size_t count_;
  size_t buffer_size_;
  // Buffers sit one cache line further apart than their size: with a power-of-two stride every
  // buffer's header would map to the same few L1 sets, and a batch's headers (rewritten, hashed
  // as AAD, handed to sendmmsg) would evict one another.
  size_t stride_;
  std::unique_ptr<uint8_t, FreeDeleter> storage_;
  std::vector<uint32_t> free_;  // reserved to count_: push/pop never reallocate
  size_t low_watermark_;
  uint64_t acquired_ = 0;
  uint64_t exhausted_ = 0;
  uint64_t oversize_ = 0;
};

}  // namespace sfu::net
