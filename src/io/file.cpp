#include "io/file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <random>

#include "util/error.h"

namespace mn {
namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

Fd open_for_reading(const std::filesystem::path& path) {
  errno = 0;
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) throw_io_error(path.string(), "cannot open");
  return fd;
}

}  // namespace

std::string read_file(const std::filesystem::path& path) {
  Fd fd = open_for_reading(path);
  std::string out;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_io_error(path.string(), "read failed");
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

std::string read_prefix(const std::filesystem::path& path, std::size_t max_bytes) {
  Fd fd = open_for_reading(path);
  std::string out(max_bytes, '\0');
  std::size_t got = 0;
  while (got < max_bytes) {
    const ssize_t n = ::read(fd.get(), out.data() + got, max_bytes - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_io_error(path.string(), "read failed");
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  out.resize(got);
  return out;
}

void write_all(int fd, const void* data, std::size_t size, const std::filesystem::path& path) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_io_error(path.string(), "write failed");
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

void write_file_atomic(const std::filesystem::path& path, const std::function<void(int fd)>& write) {
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  std::random_device rd;
  const std::filesystem::path tmp =
      dir / ("." + path.filename().string() + ".tmp" + std::to_string(rd() % 1000000));
  errno = 0;
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (fd.get() < 0) throw_io_error(tmp.string(), "cannot create");
  try {
    write(fd.get());
    if (::fsync(fd.get()) != 0) throw_io_error(tmp.string(), "fsync failed");
    if (::close(fd.release()) != 0) throw_io_error(tmp.string(), "close failed");
    if (::rename(tmp.c_str(), path.c_str()) != 0) throw_io_error(path.string(), "rename failed");
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
}

void write_file_atomic(const std::filesystem::path& path, std::string_view contents) {
  write_file_atomic(path, [&](int fd) { write_all(fd, contents.data(), contents.size(), path); });
}

}  // namespace mn
