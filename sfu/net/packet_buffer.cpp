#include "sfu/net/packet_buffer.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "sfu/common/log.h"

namespace sfu::net {

namespace {
constexpr size_t kAlignment = 64;
}

PacketBuffer::PacketBuffer(PacketBuffer&& other) noexcept
    : pool_(other.pool_), data_(other.data_), size_(other.size_), capacity_(other.capacity_) {
  other.pool_ = nullptr;
  other.data_ = nullptr;
  other.size_ = 0;
  other.capacity_ = 0;
}

PacketBuffer& PacketBuffer::operator=(PacketBuffer&& other) noexcept {
  if (this != &other) {
    reset();
    pool_ = other.pool_;
    data_ = other.data_;
    size_ = other.size_;
    capacity_ = other.capacity_;
    other.pool_ = nullptr;
    other.data_ = nullptr;
    other.size_ = 0;
    other.capacity_ = 0;
  }
  return *this;
}

void PacketBuffer::reset() {
  if (data_ != nullptr) pool_->release(data_);
  pool_ = nullptr;
  data_ = nullptr;
  size_ = 0;
  capacity_ = 0;
}

void PacketPool::FreeDeleter::operator()(uint8_t* p) const { std::free(p); }

PacketPool::PacketPool(size_t count, size_t buffer_size)
    : count_(count),
      buffer_size_((buffer_size + kAlignment - 1) / kAlignment * kAlignment),
      stride_(buffer_size_ + kAlignment),
      low_watermark_(count) {
  size_t bytes = count_ * stride_;
  if (bytes == 0) bytes = kAlignment;
  auto* mem = static_cast<uint8_t*>(std::aligned_alloc(kAlignment, bytes));
  if (mem == nullptr) throw std::bad_alloc();
  storage_.reset(mem);
  free_.reserve(count_);
  // Hand out low addresses first (pop from the back).
  for (size_t i = count_; i > 0; --i) free_.push_back(static_cast<uint32_t>(i - 1));
}

PacketPool::~PacketPool() {
  if (inUse() != 0) {
    // A buffer outliving its pool would write into freed memory: an ownership bug, not peer input.
    SFU_LOG_ERROR("net", "packet pool destroyed with buffers in use in_use={}", inUse());
    std::abort();
  }
}

PacketBuffer PacketPool::acquire() {
  if (free_.empty()) {
    ++exhausted_;
    return {};
  }
  uint32_t index = free_.back();
  free_.pop_back();
  if (free_.size() < low_watermark_) low_watermark_ = free_.size();
  ++acquired_;
  return PacketBuffer(this, storage_.get() + size_t{index} * stride_,
                      static_cast<uint32_t>(buffer_size_));
}

PacketBuffer PacketPool::copy(const uint8_t* data, size_t len) {
  if (len > buffer_size_) {
    ++oversize_;
    return {};
  }
  PacketBuffer buf = acquire();
  if (buf) {
    if (len != 0) std::memcpy(buf.data(), data, len);
    buf.setSize(len);
  }
  return buf;
}

void PacketPool::release(uint8_t* data) {
  size_t index = static_cast<size_t>(data - storage_.get()) / stride_;
  free_.push_back(static_cast<uint32_t>(index));
}

}  // namespace sfu::net
