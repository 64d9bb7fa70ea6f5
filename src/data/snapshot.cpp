#include "data/snapshot.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <type_traits>

#include "io/file.h"
#include "util/error.h"
#include "util/hash.h"

namespace mn {
namespace {

constexpr char kMagic[8] = {'M', 'V', 'N', 'I', 'G', 'H', 'T', '\0'};
constexpr std::size_t kHeaderSize = 32;

constexpr std::uint64_t kChecksumSeed = 0x6d6f7669656e6967ULL;

std::uint64_t payload_checksum(const char* data, std::size_t size) {
  return hash64_blocks(data, size, kChecksumSeed);
}

// Streams the payload to a file: small values gather in a 1 MiB buffer, large arrays are written
// straight from their memory.
class Writer {
 public:
  Writer(int fd, const std::filesystem::path& path) : fd_(fd), path_(path) { buf_.reserve(kBuffer); }

  void bytes(const void* data, std::size_t size) {
    if (size >= kBuffer) {
      flush();
      write_all(fd_, data, size, path_);
      hasher_.add(data, size);
      size_ += size;
      return;
    }
    if (buf_.size() + size > kBuffer) flush();
    buf_.append(static_cast<const char*>(data), size);
  }
  template <typename T>
  void pod(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    bytes(&value, sizeof value);
  }
  void str(const std::string& s) {
    pod<std::uint64_t>(s.size());
    bytes(s.data(), s.size());
  }
  template <typename T>
  void vec(const std::vector<T>& v) {
    pod<std::uint64_t>(v.size());
    if constexpr (std::is_same_v<T, std::string>) {
      for (const auto& s : v) str(s);
    } else {
      static_assert(std::is_trivially_copyable_v<T>);
      bytes(v.data(), v.size() * sizeof(T));
    }
  }
  void finish() { flush(); }
  std::uint64_t size() const { return size_; }
  std::uint64_t checksum() { return hasher_.finish(); }

 private:
  static constexpr std::size_t kBuffer = 1 << 20;
  void flush() {
    if (buf_.empty()) return;
    write_all(fd_, buf_.data(), buf_.size(), path_);
    hasher_.add(buf_.data(), buf_.size());
    size_ += buf_.size();
    buf_.clear();
  }
  int fd_;
  const std::filesystem::path& path_;
  std::string buf_;
  std::uint64_t size_ = 0;
  BlockHasher hasher_{kChecksumSeed};
};

class Reader {
 public:
  Reader(const char* data, std::size_t size, const std::string& name)
      : p_(data), end_(data + size), name_(name) {}

  void bytes(void* out, std::size_t size) {
    need(size);
    std::memcpy(out, p_, size);
    p_ += size;
  }
  template <typename T>
  T pod() {
    T value;
    bytes(&value, sizeof value);
    return value;
  }
  std::string str() {
    const auto n = pod<std::uint64_t>();
    need(n);
    std::string s(p_, n);
    p_ += n;
    return s;
  }
  template <typename T>
  std::vector<T> vec() {
    const auto n = pod<std::uint64_t>();
    std::vector<T> v;
    if constexpr (std::is_same_v<T, std::string>) {
      if (n > static_cast<std::uint64_t>(end_ - p_)) corrupt();
      v.reserve(n);
      for (std::uint64_t i = 0; i < n; ++i) v.push_back(str());
    } else {
      if (n > static_cast<std::uint64_t>(end_ - p_) / sizeof(T)) corrupt();
      v.resize(n);
      bytes(v.data(), n * sizeof(T));
    }
    return v;
  }
  bool done() const { return p_ == end_; }
  [[noreturn]] void corrupt() const {
    throw_input_error(name_, 0, "snapshot is corrupt (a length runs past the end)");
  }

 private:
  void need(std::size_t n) const {
    if (n > static_cast<std::size_t>(end_ - p_)) corrupt();
  }
  const char* p_;
  const char* end_;
  const std::string& name_;
};

void write_movie(Writer& w, const Movie& m) {
  w.pod(m.movie_id);
  w.str(m.title);
  w.pod<std::int32_t>(m.year);
  w.vec(m.genres);
  w.str(m.imdb_id);
  w.pod(m.tmdb_id);
  w.vec(m.tags);
  w.str(m.overview);
  w.str(m.tagline);
  w.vec(m.keywords);
  w.vec(m.cast);
  w.vec(m.directors);
  w.pod(m.runtime);
  w.str(m.release_date);
  w.str(m.language);
  w.pod(m.popularity);
  w.pod(m.vote_average);
  w.pod(m.vote_count);
}

Movie read_movie(Reader& r) {
  Movie m;
  m.movie_id = r.pod<std::int64_t>();
  m.title = r.str();
  m.year = r.pod<std::int32_t>();
  m.genres = r.vec<std::string>();
  m.imdb_id = r.str();
  m.tmdb_id = r.pod<std::int64_t>();
  m.tags = r.vec<std::string>();
  m.overview = r.str();
  m.tagline = r.str();
  m.keywords = r.vec<std::string>();
  m.cast = r.vec<std::string>();
  m.directors = r.vec<std::string>();
  m.runtime = r.pod<float>();
  m.release_date = r.str();
  m.language = r.str();
  m.popularity = r.pod<float>();
  m.vote_average = r.pod<float>();
  m.vote_count = r.pod<std::int32_t>();
  return m;
}

void write_triples(Writer& w, const std::vector<RatingTriple>& v) {
  w.pod<std::uint64_t>(v.size());
  for (const auto& t : v) {
    w.pod(t.user);
    w.pod(t.item);
    w.pod(t.rating);
    w.pod(t.timestamp);
  }
}

std::vector<RatingTriple> read_triples(Reader& r) {
  const auto n = r.pod<std::uint64_t>();
  std::vector<RatingTriple> v;
  for (std::uint64_t i = 0; i < n; ++i) {
    RatingTriple t{};
    t.user = r.pod<std::int32_t>();
    t.item = r.pod<std::int32_t>();
    t.rating = r.pod<float>();
    t.timestamp = r.pod<std::int64_t>();
    v.push_back(t);
  }
  return v;
}

void write_payload(Writer& w, const Dataset& d) {
  w.str(d.movielens);
  w.pod<std::uint64_t>(static_cast<std::uint64_t>(d.catalog.size()));
  for (const Movie& m : d.catalog.movies()) write_movie(w, m);

  const Interactions& x = d.ratings;
  w.vec(x.user_ids);
  w.vec(x.user_ptr);
  w.vec(x.items);
  w.vec(x.ratings);
  w.vec(x.timestamps);
  w.vec(x.item_ptr);
  w.vec(x.item_users);
  w.vec(x.csr_pos);
  w.pod(x.rating_min);
  w.pod(x.rating_max);

  w.pod<std::uint64_t>(d.tags.size());
  for (const auto& t : d.tags) {
    w.pod(t.user_id);
    w.pod(t.item);
    w.str(t.tag);
    w.pod(t.timestamp);
  }
  w.pod<std::uint64_t>(d.users.size());
  for (const auto& u : d.users) {
    w.pod(u.user_id);
    w.pod(u.age);
    w.str(u.gender);
    w.str(u.occupation);
    w.str(u.zip);
  }
  w.pod<std::uint8_t>(d.genome ? 1 : 0);
  if (d.genome) {
    w.vec(d.genome->tags);
    w.vec(d.genome->items);
    w.vec(d.genome->relevance);
  }
  w.pod<std::uint64_t>(d.splits.size());
  for (const auto& s : d.splits) {
    w.str(s.name);
    write_triples(w, s.train);
    write_triples(w, s.test);
  }
  w.pod<std::uint64_t>(d.recipes.recipes().size());
  for (const Recipe& r : d.recipes.recipes()) {
    w.pod(r.id);
    w.str(r.name);
    w.pod(r.minutes);
    w.pod(r.contributor_id);
    w.str(r.submitted);
    w.vec(r.tags);
    w.pod(r.nutrition);
    w.vec(r.steps);
    w.str(r.description);
    w.vec(r.ingredients);
  }
  w.pod<std::uint64_t>(d.recipes.interactions().size());
  for (const RecipeInteraction& ri : d.recipes.interactions()) {  // field by field: no padding bytes
    w.pod(ri.user_id);
    w.pod(ri.recipe_id);
    w.pod(ri.date);
    w.pod(ri.rating);
  }
  w.pod(d.metadata);
  w.pod<std::uint64_t>(d.skipped.by_file().size());
  for (const auto& [file, rows] : d.skipped.by_file()) {
    w.str(file);
    w.pod<std::uint64_t>(rows.count);
    w.vec(rows.examples);
  }
  w.pod<std::uint64_t>(d.sources.size());
  for (const auto& s : d.sources) {
    w.str(s.path);
    w.str(s.kind);
    w.pod(s.rows);
  }
  w.vec(d.notes);
  w.pod(d.fingerprint);
}

Dataset read_payload(Reader& r) {
  Dataset d;
  d.movielens = r.str();
  const auto n_movies = r.pod<std::uint64_t>();
  for (std::uint64_t i = 0; i < n_movies; ++i) d.catalog.movies().push_back(read_movie(r));
  d.catalog.rebuild_index();

  Interactions& x = d.ratings;
  x.user_ids = r.vec<std::int64_t>();
  x.user_ptr = r.vec<std::int64_t>();
  x.items = r.vec<std::int32_t>();
  x.ratings = r.vec<float>();
  x.timestamps = r.vec<std::int64_t>();
  x.item_ptr = r.vec<std::int64_t>();
  x.item_users = r.vec<std::int32_t>();
  x.csr_pos = r.vec<std::int64_t>();
  x.rating_min = r.pod<float>();
  x.rating_max = r.pod<float>();

  const auto n_tags = r.pod<std::uint64_t>();
  for (std::uint64_t i = 0; i < n_tags; ++i) {
    TagApplication t{};
    t.user_id = r.pod<std::int64_t>();
    t.item = r.pod<std::int32_t>();
    t.tag = r.str();
    t.timestamp = r.pod<std::int64_t>();
    d.tags.push_back(std::move(t));
  }
  const auto n_users = r.pod<std::uint64_t>();
  for (std::uint64_t i = 0; i < n_users; ++i) {
    UserInfo u;
    u.user_id = r.pod<std::int64_t>();
    u.age = r.pod<std::int32_t>();
    u.gender = r.str();
    u.occupation = r.str();
    u.zip = r.str();
    d.users.push_back(std::move(u));
  }
  if (r.pod<std::uint8_t>() != 0) {
    Genome g;
    g.tags = r.vec<std::string>();
    g.items = r.vec<std::int32_t>();
    g.relevance = r.vec<float>();
    d.genome = std::move(g);
  }
  const auto n_splits = r.pod<std::uint64_t>();
  for (std::uint64_t i = 0; i < n_splits; ++i) {
    PredefinedSplit s;
    s.name = r.str();
    s.train = read_triples(r);
    s.test = read_triples(r);
    d.splits.push_back(std::move(s));
  }
  const auto n_recipes = r.pod<std::uint64_t>();
  for (std::uint64_t i = 0; i < n_recipes; ++i) {
    Recipe rec;
    rec.id = r.pod<std::int64_t>();
    rec.name = r.str();
    rec.minutes = r.pod<std::int32_t>();
    rec.contributor_id = r.pod<std::int64_t>();
    rec.submitted = r.str();
    rec.tags = r.vec<std::string>();
    rec.nutrition = r.pod<std::array<float, 7>>();
    rec.steps = r.vec<std::string>();
    rec.description = r.str();
    rec.ingredients = r.vec<std::string>();
    d.recipes.recipes().push_back(std::move(rec));
  }
  d.recipes.rebuild_index();
  const auto n_recipe_interactions = r.pod<std::uint64_t>();
  for (std::uint64_t i = 0; i < n_recipe_interactions; ++i) {
    RecipeInteraction ri;
    ri.user_id = r.pod<std::int64_t>();
    ri.recipe_id = r.pod<std::int64_t>();
    ri.date = r.pod<std::int64_t>();
    ri.rating = r.pod<std::int8_t>();
    d.recipes.add_interaction(ri);
  }
  d.metadata = r.pod<MetadataStats>();
  const auto n_skip = r.pod<std::uint64_t>();
  for (std::uint64_t i = 0; i < n_skip; ++i) {
    const std::string file = r.str();
    SkippedRows rows;
    rows.count = r.pod<std::uint64_t>();
    rows.examples = r.vec<std::string>();
    d.skipped.by_file()[file] = std::move(rows);
  }
  const auto n_sources = r.pod<std::uint64_t>();
  for (std::uint64_t i = 0; i < n_sources; ++i) {
    SourceSummary s;
    s.path = r.str();
    s.kind = r.str();
    s.rows = r.pod<std::int64_t>();
    d.sources.push_back(std::move(s));
  }
  d.notes = r.vec<std::string>();
  d.fingerprint = r.pod<std::uint64_t>();
  return d;
}

void put_u32(char* p, std::uint32_t v) { std::memcpy(p, &v, 4); }
void put_u64(char* p, std::uint64_t v) { std::memcpy(p, &v, 8); }

}  // namespace

void save_snapshot(const Dataset& dataset, const std::filesystem::path& path) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  write_file_atomic(path, [&](int fd) {
    // Reserve the header, stream the payload, then fill the header in.
    char header[kHeaderSize] = {};
    write_all(fd, header, kHeaderSize, path);
    Writer w(fd, path);
    write_payload(w, dataset);
    w.finish();
    const std::uint64_t checksum = w.checksum();
    std::memcpy(header, kMagic, 8);
    put_u32(header + 8, kSnapshotVersion);
    put_u32(header + 12, 0);
    put_u64(header + 16, w.size());
    put_u64(header + 24, checksum);
    if (::pwrite(fd, header, kHeaderSize, 0) != static_cast<ssize_t>(kHeaderSize)) {
      throw_io_error(path.string(), "write failed");
    }
  });
}

bool is_snapshot(const std::filesystem::path& path) {
  try {
    return read_prefix(path, 8) == std::string(kMagic, 8);
  } catch (const Error&) {
    return false;
  }
}

Dataset load_snapshot(const std::filesystem::path& path) {
  const std::string name = path.string();
  errno = 0;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw_io_error(name, "cannot open snapshot");
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    throw_io_error(name, "cannot stat snapshot");
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size < kHeaderSize) {
    ::close(fd);
    throw_input_error(name, 0, "not a movienight snapshot (too short)");
  }
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) throw_io_error(name, "cannot map snapshot");
  ::madvise(map, size, MADV_SEQUENTIAL);
  struct Unmap {
    void* p;
    std::size_t n;
    ~Unmap() { ::munmap(p, n); }
  } unmap{map, size};
  const char* data = static_cast<const char*>(map);
  if (std::memcmp(data, kMagic, 8) != 0) throw_input_error(name, 0, "not a movienight snapshot (bad magic)");
  std::uint32_t version = 0;
  std::uint64_t payload = 0, checksum = 0;
  std::memcpy(&version, data + 8, 4);
  std::memcpy(&payload, data + 16, 8);
  std::memcpy(&checksum, data + 24, 8);
  if (version > kSnapshotVersion) {
    throw_input_error(name, 0,
                      "snapshot version " + std::to_string(version) + " is newer than this movienight (" +
                          std::to_string(kSnapshotVersion) + "); run ingest again");
  }
  if (version < kSnapshotVersion) {
    throw_input_error(name, 0,
                      "snapshot version " + std::to_string(version) + " is no longer read; run ingest again");
  }
  if (payload != size - kHeaderSize)
    throw_input_error(name, 0, "snapshot is truncated or has trailing bytes");
  if (payload_checksum(data + kHeaderSize, payload) != checksum)
    throw_input_error(name, 0, "snapshot checksum mismatch (file is corrupt)");
  Reader r(data + kHeaderSize, payload, name);
  Dataset d = read_payload(r);
  if (!r.done()) throw_input_error(name, 0, "snapshot has unread bytes (file is corrupt)");
  return d;
}

}  // namespace mn
