#include "signaling/http/static_files.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <iterator>
#include <system_error>

namespace signaling::http {

std::optional<std::string> normalizeStaticPath(std::string_view raw) {
  if (raw.empty() || raw.front() != '/') return std::nullopt;
  const bool trailing_slash = raw.back() == '/';
  auto decoded_all = percentDecode(raw);
  if (!decoded_all || decoded_all->find('\\') != std::string::npos) return std::nullopt;
  // Split on '/' after decoding, so an encoded "%2e%2e%2f" is seen as ".." too.
  std::string_view rest(*decoded_all);
  rest.remove_prefix(1);
  std::string out;
  size_t start = 0;
  while (start <= rest.size()) {
    size_t end = rest.find('/', start);
    if (end == std::string_view::npos) end = rest.size();
    std::string_view seg = rest.substr(start, end - start);
    start = end + 1;
    if (seg.empty()) {
      if (end == rest.size()) break;  // the trailing '/'
      return std::nullopt;            // "//"
    }
    if (seg == ".") continue;
    if (seg.front() == '.') return std::nullopt;  // "..", ".git", ".env"
    if (!out.empty()) out.push_back('/');
    out.append(seg);
  }
  if (out.empty()) return std::string("index.html");
  if (trailing_slash) out += "/index.html";
  return out;
}

std::string_view contentTypeFor(std::string_view name) {
  struct Entry {
    std::string_view ext;
    std::string_view type;
  };
  static constexpr std::array<Entry, 20> kTypes = {{
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".txt", "text/plain; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".ico", "image/x-icon"},
      {".webp", "image/webp"},
      {".wasm", "application/wasm"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".y4m", "video/x-yuv4mpeg"},
  }};
  for (const auto& e : kTypes) {
    if (name.size() >= e.ext.size() && name.substr(name.size() - e.ext.size()) == e.ext) {
      return e.type;
    }
  }
  return "application/octet-stream";
}

StaticFiles::StaticFiles(std::filesystem::path root) : root_(std::move(root)) {
  std::error_code ec;
  auto canonical = std::filesystem::canonical(root_, ec);
  if (!ec) root_ = canonical;
}

std::optional<Response> StaticFiles::serve(std::string_view raw_path, unsigned version) const {
  auto rel = normalizeStaticPath(raw_path);
  if (!rel) return std::nullopt;
  std::error_code ec;
  auto file = std::filesystem::canonical(root_ / *rel, ec);
  if (ec) return std::nullopt;
  if (std::filesystem::is_directory(file, ec)) {
    file = std::filesystem::canonical(file / "index.html", ec);
    if (ec) return std::nullopt;
  }
  // Symlinks may not lead out of the root.
  auto [root_end, nothing] = std::mismatch(root_.begin(), root_.end(), file.begin(), file.end());
  (void)nothing;
  if (root_end != root_.end()) return std::nullopt;
  return serveFile(file, contentTypeFor(file.filename().string()), version);
}

std::optional<Response> StaticFiles::serveFile(const std::filesystem::path& file,
                                               std::string_view content_type, unsigned version) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return std::nullopt;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec || size > kMaxFileBytes) return std::nullopt;
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::string body;
  body.resize(size);
  in.read(body.data(), static_cast<std::streamsize>(size));
  body.resize(static_cast<size_t>(in.gcount()));
  Response res{bhttp::status::ok, version};
  res.set(bhttp::field::content_type, content_type);
  res.set(bhttp::field::cache_control, "no-cache");
  res.set("X-Content-Type-Options", "nosniff");
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

}  // namespace signaling::http
