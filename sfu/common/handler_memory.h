// Memory for a recurring asynchronous operation (the worker's tick wait, a socket's read wait),
// so that re-arming it allocates nothing.
//
// asio allocates each operation's state (the handler and the reactor's bookkeeping) through the
// handler's associated allocator. Its default recycles blocks in a small per-thread cache, which
// cross-thread posts drain now and then: a media worker measured a few heap allocations a second
// from re-arming alone. Bound with bindHandlerMemory(), the state lives in one fixed block; an
// operation started while the block is taken, or one larger than it, gets the heap as before.
//
// The block is shared: every allocator copy (asio keeps one inside the operation) holds it, so an
// operation destroyed after its owner (a socket closed with a wait pending, a context shut down
// with a timer armed) still returns its memory to a live block.
//
// One thread: the owner's io_context thread.
#pragma once

#include <boost/asio/bind_allocator.hpp>
#include <cstddef>
#include <memory>
#include <mutex>
#include <new>
#include <utility>
#include <vector>

namespace sfu {

class HandlerMemory {
 public:
  static constexpr size_t kBytes = 512;

  void* allocate(size_t size) {
    if (!in_use_ && size <= kBytes) {
      in_use_ = true;
      ++block_uses_;
      return storage_;
    }
    ++heap_allocations_;
    return ::operator new(size);
  }
  void deallocate(void* p) {
    if (p == storage_) {
      in_use_ = false;
      return;
    }
    ::operator delete(p);
  }
  // Whether an operation holds the block (a cancelled wait keeps it until its completion runs).
  bool inUse() const { return in_use_; }
  // Operations placed in the block, and those that went to the heap (tests).
  size_t blockUses() const { return block_uses_; }
  size_t heapAllocations() const { return heap_allocations_; }

 private:
  alignas(std::max_align_t) unsigned char storage_[kBytes];
  bool in_use_ = false;
  size_t block_uses_ = 0;
  size_t heap_allocations_ = 0;
};

// Blocks for operations allocated on one thread and freed on another: a media worker's
// completions posted to the signaling thread, whose operation state asio would otherwise take
// from the worker's per-thread cache and return to the signaling thread's (so the worker's runs
// dry and it allocates). A fixed set of blocks behind a mutex, off the packet path; the heap when
// every block is taken or an operation is larger. Any thread.
class SharedHandlerPool {
 public:
  static constexpr size_t kBlockBytes = 256;

  explicit SharedHandlerPool(size_t blocks) : blocks_(new Block[blocks]), count_(blocks) {
    free_.reserve(blocks);
    for (size_t i = blocks; i > 0; --i) free_.push_back(&blocks_[i - 1]);
  }

  void* allocate(size_t size) {
    if (size <= kBlockBytes) {
      std::lock_guard lock(mutex_);
      if (!free_.empty()) {
        Block* b = free_.back();
        free_.pop_back();
        return b;
      }
      ++heap_allocations_;
    }
    return ::operator new(size);
  }
  void deallocate(void* p) {
    auto* b = static_cast<Block*>(p);
    if (b >= blocks_.get() && b < blocks_.get() + count_) {
      std::lock_guard lock(mutex_);
      free_.push_back(b);
      return;
    }
    ::operator delete(p);
  }
  size_t heapAllocations() {
    std::lock_guard lock(mutex_);
    return heap_allocations_;
  }

 private:
  struct alignas(std::max_align_t) Block {
    unsigned char bytes[kBlockBytes];
  };
  std::unique_ptr<Block[]> blocks_;
  size_t count_;
  std::mutex mutex_;
  std::vector<Block*> free_;  // reserved for every block: push/pop never reallocate
  size_t heap_allocations_ = 0;
};

// An allocator over HandlerMemory or SharedHandlerPool, sharing ownership of it.
template <typename T, typename Memory = HandlerMemory>
class HandlerAllocator {
 public:
  using value_type = T;

  explicit HandlerAllocator(std::shared_ptr<Memory> memory) : memory_(std::move(memory)) {}
  template <typename U>
  HandlerAllocator(const HandlerAllocator<U, Memory>& other) noexcept : memory_(other.memory_) {}

  T* allocate(size_t n) { return static_cast<T*>(memory_->allocate(sizeof(T) * n)); }
  void deallocate(T* p, size_t /*n*/) { memory_->deallocate(p); }

  template <typename U>
  bool operator==(const HandlerAllocator<U, Memory>& other) const noexcept {
    return memory_ == other.memory_;
  }

 private:
  template <typename U, typename M>
  friend class HandlerAllocator;
  std::shared_ptr<Memory> memory_;
};

template <typename Memory, typename Handler>
auto bindHandlerMemory(const std::shared_ptr<Memory>& memory, Handler&& handler) {
  return boost::asio::bind_allocator(HandlerAllocator<std::byte, Memory>(memory),
                                     std::forward<Handler>(handler));
}

}  // namespace sfu
