#pragma once
// The web page's files (web/index.html, app.js, style.css), compiled into the binary by
// src/serve/embed_web.cmake so that the server answers with its own page whatever the working
// directory, and never with a file from the disk.
#include <cstddef>
#include <string_view>

namespace mn::serve {

struct WebAsset {
  const char* path;          // "/", "/app.js", "/style.css"
  const char* content_type;  // with charset
  const unsigned char* data;
  std::size_t size;
  std::string_view bytes() const { return {reinterpret_cast<const char*>(data), size}; }
};

// Null-terminated (path == nullptr ends the list); generated at build time.
extern const WebAsset kWebAssets[];

}  // namespace mn::serve
