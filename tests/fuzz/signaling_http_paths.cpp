// Fuzzes the request-path helpers: static path normalisation (never yields "..", a hidden or empty
// segment, a backslash or a leading '/'), path splitting, query lookup and %-decoding.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "signaling/http/router.h"
#include "signaling/http/static_files.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto rel = signaling::http::normalizeStaticPath(text)) {
    if (rel->empty() || rel->front() == '/' || rel->find('\\') != std::string::npos ||
        rel->find('\0') != std::string::npos) {
      std::abort();
    }
    size_t start = 0;
    while (start <= rel->size()) {
      size_t end = rel->find('/', start);
      if (end == std::string::npos) end = rel->size();
      const std::string_view seg(rel->data() + start, end - start);
      if (seg.empty() || seg.front() == '.') std::abort();
      start = end + 1;
    }
  }
  if (auto parts = signaling::http::splitPath(text)) {
    for (const auto& p : *parts) {
      if (p.empty()) std::abort();
    }
  }
  signaling::http::findQueryParam(text, "token");
  signaling::http::percentDecode(text, true);
  return 0;
}
