#pragma once
// Whole-file reads, and writes that never leave a half-written file behind: data goes to a
// temporary file in the same folder, is flushed to disk, then renamed over the target.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace mn {

std::string read_file(const std::filesystem::path& path);

// Reads up to max_bytes from the start of a file (for header sniffing).
std::string read_prefix(const std::filesystem::path& path, std::size_t max_bytes);

// Calls write(fd) to fill a temporary file, fsyncs it and renames it to path. On any failure the
// temporary is removed and the previous file at path (if any) is untouched.
void write_file_atomic(const std::filesystem::path& path, const std::function<void(int fd)>& write);
void write_file_atomic(const std::filesystem::path& path, std::string_view contents);

// write(2) until done; throws on error.
void write_all(int fd, const void* data, std::size_t size, const std::filesystem::path& path);

}  // namespace mn
