// Static files of the web client, served from one root directory.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "signaling/http/http_types.h"

namespace signaling::http {

// Maps a raw request path to a path relative to the web root: "/" → "index.html",
// "/js/app.js" → "js/app.js", "/docs/" → "docs/index.html". Returns nullopt for anything unsafe or
// odd: bad %-escapes, NUL, backslashes, ".." segments, hidden segments (".git", ".env"), empty
// inner segments. "." segments are dropped.
std::optional<std::string> normalizeStaticPath(std::string_view raw_path);

// Content-Type for a file name by its extension; "application/octet-stream" if unknown.
std::string_view contentTypeFor(std::string_view file_name);

class StaticFiles {
 public:
  explicit StaticFiles(std::filesystem::path root);

  // A 200 response with the file, or nullopt when the path is unsafe, missing, not a regular
  // file, outside the root after resolving symlinks, or larger than kMaxFileBytes.
  std::optional<Response> serve(std::string_view raw_path, unsigned version) const;

  // Serves one known file (any location) with the given content type; nullopt if unreadable.
  static std::optional<Response> serveFile(const std::filesystem::path& file,
                                           std::string_view content_type, unsigned version);

  const std::filesystem::path& root() const { return root_; }

  static constexpr uintmax_t kMaxFileBytes = 32u << 20;

 private:
  std::filesystem::path root_;  // canonical when it exists
};

}  // namespace signaling::http
