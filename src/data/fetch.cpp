#include "data/fetch.h"

#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include "io/file.h"
#include "util/error.h"
#include "util/progress.h"

namespace mn {
namespace fs = std::filesystem;

namespace {

constexpr double kSizeTolerance = 0.10;  // a download may differ from the table by this much

std::string human_bytes(std::uint64_t bytes) {
  char buf[32];
  if (bytes >= 1000ULL * 1000 * 1000) {
    std::snprintf(buf, sizeof buf, "%.1f GB", static_cast<double>(bytes) / 1e9);
  } else if (bytes >= 1000ULL * 1000) {
    std::snprintf(buf, sizeof buf, "%.0f MB", static_cast<double>(bytes) / 1e6);
  } else if (bytes >= 1000) {
    std::snprintf(buf, sizeof buf, "%.0f KB", static_cast<double>(bytes) / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%llu bytes", static_cast<unsigned long long>(bytes));
  }
  return buf;
}

std::string known_names() {
  std::string out;
  for (const auto& d : known_datasets()) {
    if (!out.empty()) out += ", ";
    out += d.name;
  }
  return out;
}

const KnownDataset& require_known(std::string_view name) {
  const KnownDataset* d = find_known_dataset(name);
  if (d == nullptr) {
    throw Error(ErrorKind::kInvalidInput, "unknown dataset '" + std::string(name) + "'; known names: " +
                                              known_names() + " (movienight fetch --list describes them)");
  }
  return *d;
}

std::string quote_path(const fs::path& p) {
  const std::string s = p.string();
  if (s.find_first_of(" \t'\"$`\\") == std::string::npos) return s;
  std::string out = "'";
  for (const char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string zip_url(const KnownDataset& d, const std::string& base_url) { return base_url + d.name + ".zip"; }

// ---------------------------------------------------------------------------------------------
// Download

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { static CurlGlobal global; });
}

// A file in dest that is removed unless keep() is called.
class TempFile {
 public:
  explicit TempFile(const fs::path& dir, const std::string& stem) {
    std::string pattern = (dir / ("." + stem + ".XXXXXX")).string();
    errno = 0;
    fd_ = ::mkostemp(pattern.data(), O_CLOEXEC);
    if (fd_ < 0) throw_io_error(pattern, "cannot create a temporary file");
    path_ = pattern;
  }
  ~TempFile() {
    close();
    std::error_code ec;
    fs::remove(path_, ec);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  int fd() const { return fd_; }
  const fs::path& path() const { return path_; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  fs::path path_;
};

struct DownloadState {
  CURL* curl = nullptr;
  int fd = -1;
  fs::path path;
  std::uint64_t received = 0;
  std::uint64_t max_bytes = 0;  // stop before filling the disk with something unexpected
  std::uint64_t approx_bytes = 0;
  std::string label;
  std::unique_ptr<Progress> progress;
  std::exception_ptr error;
  std::string abort_reason;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* st = static_cast<DownloadState*>(user);
  const std::size_t n = size * count;
  try {
    if (!st->progress) {
      curl_off_t length = -1;
      curl_easy_getinfo(st->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
      const std::uint64_t total = length > 0 ? static_cast<std::uint64_t>(length) : st->approx_bytes;
      st->progress = std::make_unique<Progress>(st->label, total, "bytes");
    }
    if (st->received + n > st->max_bytes) {
      st->abort_reason = "the server sent more than " + std::to_string(st->max_bytes) +
                         " bytes, far more than the expected " + human_bytes(st->approx_bytes);
      return 0;
    }
    write_all(st->fd, data, n, st->path);
    st->received += n;
    st->progress->set(st->received);
  } catch (...) {
    st->error = std::current_exception();
    return 0;  // makes curl stop with CURLE_WRITE_ERROR
  }
  return n;
}

// Thrown for every failed download; the caller adds the manual steps.
struct DownloadFailure {
  std::string reason;
};

std::uint64_t download(const std::string& url, const TempFile& out, const KnownDataset& d,
                       const FetchOptions& options) {
  init_curl_once();
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) throw DownloadFailure{"libcurl could not start"};

  DownloadState st;
  st.curl = curl.get();
  st.fd = out.fd();
  st.path = out.path();
  st.approx_bytes = d.approx_bytes;
  st.max_bytes = static_cast<std::uint64_t>(static_cast<double>(d.approx_bytes) * (1 + kSizeTolerance)) + 1;
  st.label = "downloading " + d.name + ".zip";
  char errbuf[CURL_ERROR_SIZE] = {0};
  const std::string agent = std::string("movienight/") + MOVIENIGHT_VERSION;

  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(options.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options.stall_timeout.count()));
  curl_easy_setopt(c, CURLOPT_USERAGENT, agent.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &st);
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#endif

  const CURLcode rc = curl_easy_perform(c);
  if (st.progress) st.progress->finish();
  if (st.error) std::rethrow_exception(st.error);  // a local write failure: say so as it is
  if (rc != CURLE_OK) {
    std::string reason;
    if (rc == CURLE_HTTP_RETURNED_ERROR) {
      long status = 0;
      curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
      reason = "the server answered HTTP " + std::to_string(status);
    } else if (!st.abort_reason.empty()) {
      reason = st.abort_reason;
    } else {
      reason = errbuf[0] != '\0' ? std::string(errbuf) : std::string(curl_easy_strerror(rc));
      if (rc == CURLE_PARTIAL_FILE) reason += " (the download was cut off)";
    }
    throw DownloadFailure{reason};
  }
  curl_off_t length = -1;
  curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
  if (length >= 0 && static_cast<std::uint64_t>(length) != st.received) {
    throw DownloadFailure{"received " + std::to_string(st.received) + " bytes but the server announced " +
                          std::to_string(length) + " (the download was cut off)"};
  }
  return st.received;
}

// ---------------------------------------------------------------------------------------------
// Unzip

using ArchivePtr = std::unique_ptr<struct archive, decltype(&archive_read_free)>;

std::string archive_message(struct archive* a) {
  const char* m = archive_error_string(a);
  std::string out = m == nullptr ? "unknown libarchive error" : m;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ' || out.back() == '.')) out.pop_back();
  return out;
}

ArchivePtr open_zip(const fs::path& zip) {
  ArchivePtr a(archive_read_new(), &archive_read_free);
  if (!a) throw Error(ErrorKind::kInternal, "libarchive could not start");
  // Only the seekable zip reader: it reads the central directory, so a cut-off archive is refused
  // instead of being half-extracted.
  archive_read_support_format_zip_seekable(a.get());
  if (archive_read_open_filename(a.get(), zip.c_str(), 1 << 16) != ARCHIVE_OK) {
    throw DownloadFailure{std::string("not a readable zip archive: ") + archive_message(a.get())};
  }
  return a;
}

std::string entry_name(struct archive_entry* e) {
  const char* p = archive_entry_pathname_utf8(e);
  if (p == nullptr) p = archive_entry_pathname(e);
  return p == nullptr ? std::string() : std::string(p);
}

// The relative path an entry may be extracted to, or nullopt if it would leave dest.
std::optional<fs::path> safe_relative(const std::string& name) {
  if (name.empty() || name.find('\\') != std::string::npos || name.find('\0') != std::string::npos) {
    return std::nullopt;
  }
  const fs::path p(name);
  if (p.is_absolute() || p.has_root_name() || p.has_root_directory()) return std::nullopt;
  fs::path out;
  for (const auto& part : p) {
    const std::string s = part.string();
    if (s == "..") return std::nullopt;
    if (s.empty() || s == ".") continue;
    out /= part;
  }
  if (out.empty()) return std::nullopt;
  return out;
}

struct ZipEntry {
  fs::path relative;
  bool directory;
  std::uint64_t size;
};

// First pass: every entry is checked before anything is written.
std::vector<ZipEntry> list_zip(const fs::path& zip, const fs::path& dest) {
  ArchivePtr a = open_zip(zip);
  std::vector<ZipEntry> entries;
  struct archive_entry* e = nullptr;
  for (;;) {
    const int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK)
      throw DownloadFailure{std::string("corrupt zip archive: ") + archive_message(a.get())};
    const std::string name = entry_name(e);
    const std::optional<fs::path> rel = safe_relative(name);
    if (!rel) {
      throw Error(ErrorKind::kInvalidInput, "refusing to unzip " + zip.filename().string() + ": the entry '" +
                                                name + "' would be written outside " + dest.string());
    }
    const auto type = archive_entry_filetype(e);
    if (archive_entry_hardlink(e) != nullptr || (type != AE_IFREG && type != AE_IFDIR)) {
      throw Error(ErrorKind::kInvalidInput, "refusing to unzip " + zip.filename().string() + ": the entry '" +
                                                name + "' is not a plain file or folder");
    }
    const auto size = archive_entry_size_is_set(e) ? archive_entry_size(e) : 0;
    entries.push_back({*rel, type == AE_IFDIR, static_cast<std::uint64_t>(std::max<la_int64_t>(size, 0))});
    if (archive_read_data_skip(a.get()) != ARCHIVE_OK) {
      throw DownloadFailure{std::string("corrupt zip archive: ") + archive_message(a.get())};
    }
  }
  return entries;
}

// Removes what an unfinished extraction created, newest first.
class Rollback {
 public:
  ~Rollback() {
    if (committed_) return;
    std::error_code ec;
    for (auto it = files_.rbegin(); it != files_.rend(); ++it) fs::remove(*it, ec);
    for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) fs::remove(*it, ec);  // only if empty
  }
  void make_dirs(const fs::path& dir) {
    std::vector<fs::path> missing;
    for (fs::path p = dir; !p.empty() && !fs::exists(p); p = p.parent_path()) missing.push_back(p);
    for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
      std::error_code ec;
      if (!fs::create_directory(*it, ec) && ec) {
        errno = ec.value();
        throw_io_error(it->string(), "cannot create the folder");
      }
      dirs_.push_back(*it);
    }
  }
  void add_file(const fs::path& p) { files_.push_back(p); }
  void commit() { committed_ = true; }

 private:
  std::vector<fs::path> files_;
  std::vector<fs::path> dirs_;
  bool committed_ = false;
};

std::vector<std::string> extract_zip(const fs::path& zip, const fs::path& dest, const KnownDataset& d) {
  const std::vector<ZipEntry> entries = list_zip(zip, dest);
  std::set<fs::path> names;
  std::uint64_t total = 0;
  for (const auto& entry : entries) {
    if (!entry.directory) names.insert(entry.relative);
    total += entry.size;
  }
  for (const auto& f : d.files) {
    if (names.count(fs::path(d.folder) / f) == 0) {
      throw DownloadFailure{"the archive does not hold " + (fs::path(d.folder) / f).string()};
    }
  }

  Rollback rollback;
  ArchivePtr a = open_zip(zip);
  Progress progress("unzipping " + d.name + ".zip", total, "bytes");
  std::uint64_t done = 0;
  std::vector<std::string> extracted;
  struct archive_entry* e = nullptr;
  for (std::size_t i = 0;; ++i) {
    const int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK)
      throw DownloadFailure{std::string("corrupt zip archive: ") + archive_message(a.get())};
    // The same archive read twice: entries come in the same order; check anyway.
    if (i >= entries.size() || safe_relative(entry_name(e)) != entries[i].relative) {
      throw DownloadFailure{"the zip archive changed while it was being unzipped"};
    }
    const ZipEntry& entry = entries[i];
    const fs::path target = dest / entry.relative;
    if (entry.directory) {
      rollback.make_dirs(target);
      continue;
    }
    rollback.make_dirs(target.parent_path());
    const bool existed = fs::exists(target);
    write_file_atomic(target, [&](int fd) {
      char buf[1 << 16];
      std::uint64_t written = 0;
      for (;;) {
        const la_ssize_t n = archive_read_data(a.get(), buf, sizeof buf);
        if (n < 0) {
          throw DownloadFailure{"corrupt zip archive (" + entry.relative.string() +
                                "): " + archive_message(a.get())};
        }
        if (n == 0) break;
        write_all(fd, buf, static_cast<std::size_t>(n), target);
        written += static_cast<std::uint64_t>(n);
        progress.set(done + written);
      }
      if (archive_entry_size_is_set(e) && written != static_cast<std::uint64_t>(archive_entry_size(e))) {
        throw DownloadFailure{"corrupt zip archive: " + entry.relative.string() +
                              " is shorter than it should be"};
      }
      done += written;
    });
    if (!existed) rollback.add_file(target);
    const fs::path in_folder = entry.relative.lexically_relative(d.folder);
    extracted.push_back(in_folder.empty() || *in_folder.begin() == ".." ? entry.relative.string()
                                                                        : in_folder.string());
  }
  progress.finish();
  rollback.commit();
  return extracted;
}

bool holds_files(const fs::path& folder, const KnownDataset& d) {
  std::error_code ec;
  for (const auto& f : d.files) {
    if (!fs::is_regular_file(folder / f, ec)) return false;
  }
  return true;
}

std::string minilm_help(const fs::path& models) {
  const std::string base = "https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2/resolve/main/";
  const KnownDataset& d = *find_known_dataset("minilm");
  std::string out =
      "The MiniLM sentence encoder (sentence-transformers/all-MiniLM-L6-v2, Apache-2.0) comes from Hugging "
      "Face:\n"
      "  https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2\n"
      "movienight does not download it itself. Put these files into " +
      (models / "all-MiniLM-L6-v2").string() + "/ (keep the 1_Pooling/ folder):\n";
  for (const auto& f : d.files) out += "  " + f + "\n";
  out += "For example, from the folder that holds models/:\n";
  for (const auto& f : d.files) {
    out +=
        "  curl -fL --create-dirs -o " + quote_path(models / "all-MiniLM-L6-v2" / f) + " " + base + f + "\n";
  }
  out +=
      "or, with the Hugging Face CLI:\n"
      "  huggingface-cli download sentence-transformers/all-MiniLM-L6-v2 --local-dir " +
      quote_path(models / "all-MiniLM-L6-v2") +
      "\n"
      "(model.safetensors is about 91 MB; the other files are small.)\n";
  return out;
}

std::string kaggle_help(const KnownDataset& d, const fs::path& dest, const std::string& title,
                        const std::string& slug, const std::string& note) {
  const fs::path folder = dest / d.folder;
  std::string files;
  for (const auto& f : d.files) files += " " + f;
  std::string out =
      title +
      " comes from Kaggle, which needs a (free) account, so movienight cannot download it for you.\n"
      "  1. Sign in at https://www.kaggle.com, open\n"
      "       https://www.kaggle.com/datasets/" +
      slug +
      "\n"
      "     and click Download (the browser saves archive.zip). Or, with the Kaggle command line tool "
      "and an API token:\n"
      "       kaggle datasets download -d " +
      slug + "\n     (which saves " + slug.substr(slug.find('/') + 1) +
      ".zip)\n"
      "  2. Unzip these files from it into " +
      folder.string() + "/:\n       " + files.substr(1) +
      "\n"
      "     for example:\n"
      "       unzip archive.zip" +
      files + " -d " + quote_path(folder) + "\n";
  if (!note.empty()) out += "     " + note + "\n";
  out += "  3. Check that movienight reads them:\n       movienight info --data " + quote_path(folder) + "\n";
  return out;
}

}  // namespace

// -----------------------------------------------------------------------------------------------

const std::vector<KnownDataset>& known_datasets() {
  static const std::vector<KnownDataset> all = {
      {"ml-latest-small",
       true,
       kGroupLensBaseUrl,
       978202,
       "ml-latest-small",
       {"ratings.csv", "movies.csv", "links.csv", "tags.csv"},
       "MovieLens latest-small (2018): 100,836 ratings, 9,742 movies, 610 users"},
      {"ml-100k",
       true,
       kGroupLensBaseUrl,
       4924029,
       "ml-100k",
       {"u.data", "u.item", "u.user", "u.genre"},
       "MovieLens 100K (1998): 100,000 ratings, 1,682 movies, 943 users"},
      {"ml-1m",
       true,
       kGroupLensBaseUrl,
       5917549,
       "ml-1m",
       {"ratings.dat", "movies.dat", "users.dat"},
       "MovieLens 1M (2003): 1,000,209 ratings, 3,706 movies, 6,040 users"},
      {"ml-20m",
       true,
       kGroupLensBaseUrl,
       198702078,
       "ml-20m",
       {"ratings.csv", "movies.csv", "links.csv", "tags.csv", "genome-scores.csv", "genome-tags.csv"},
       "MovieLens 20M (2015): 20,000,263 ratings, 27,278 movies, 138,493 users"},
      {"ml-25m",
       true,
       kGroupLensBaseUrl,
       261978986,
       "ml-25m",
       {"ratings.csv", "movies.csv", "links.csv", "tags.csv", "genome-scores.csv", "genome-tags.csv"},
       "MovieLens 25M (2019): 25,000,095 ratings, 62,423 movies, 162,541 users"},
      {"tmdb",
       false,
       "https://www.kaggle.com/datasets/rounakbanik/the-movies-dataset",
       231583835,
       "the-movies-dataset",
       {"movies_metadata.csv", "credits.csv", "keywords.csv", "links.csv"},
       "The Movies Dataset (Kaggle): TMDB metadata, cast, crew and keywords for 45k movies"},
      {"foodcom",
       false,
       "https://www.kaggle.com/datasets/shuyangli94/food-com-recipes-and-user-interactions",
       643000000,
       "foodcom",
       {"RAW_recipes.csv", "RAW_interactions.csv"},
       "Food.com recipes and interactions (Kaggle): 231k recipes, 1.1M reviews"},
      {"minilm",
       false,
       "https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2",
       90868376,
       "models/all-MiniLM-L6-v2",
       {"model.safetensors", "config.json", "vocab.txt", "tokenizer.json", "tokenizer_config.json",
        "special_tokens_map.json", "modules.json", "sentence_bert_config.json", "1_Pooling/config.json"},
       "all-MiniLM-L6-v2 sentence encoder (Hugging Face) for text embeddings"},
  };
  return all;
}

const KnownDataset* find_known_dataset(std::string_view name) {
  for (const auto& d : known_datasets()) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

std::string known_datasets_table() {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%-16s %-8s %-9s %s\n", "NAME", "SIZE", "HOW", "SOURCE / CONTENTS");
  out += line;
  for (const auto& d : known_datasets()) {
    const std::string source = d.downloadable ? zip_url(d, kGroupLensBaseUrl) : d.source;
    std::snprintf(line, sizeof line, "%-16s %-8s %-9s %s\n%-35s %s\n", d.name.c_str(),
                  human_bytes(d.approx_bytes).c_str(), d.downloadable ? "download" : "manual", source.c_str(),
                  "", d.description.c_str());
    out += line;
  }
  out +=
      "\"download\": movienight fetch NAME downloads and unzips it into DEST/NAME (default DEST: data).\n"
      "\"manual\": movienight fetch NAME prints which files to get and where to put them.\n";
  return out;
}

std::string fetch_base_url(const std::string& given) {
  std::string url = given;
  if (url.empty()) {
    if (const char* env = std::getenv("MOVIENIGHT_FETCH_BASE_URL"); env != nullptr && *env != '\0') url = env;
  }
  if (url.empty()) url = kGroupLensBaseUrl;
  if (url.back() != '/') url += '/';
  return url;
}

std::string manual_download_help(const std::string& name, const fs::path& dest, const std::string& base_url) {
  const KnownDataset& d = require_known(name);
  if (d.name == "minilm") return minilm_help("models");
  if (d.name == "tmdb") {
    return kaggle_help(
        d, dest, "The Movies Dataset (Rounak Banik, TMDB metadata)", "rounakbanik/the-movies-dataset",
        "(the archive also holds ratings.csv, ratings_small.csv and links_small.csv; movienight does "
        "not need them.)");
  }
  if (d.name == "foodcom") {
    return kaggle_help(
        d, dest, "Food.com Recipes and Interactions (Shuyang Li)",
        "shuyangli94/food-com-recipes-and-user-interactions",
        "(the archive also holds PP_*.csv, interactions_*.csv and ingr_map.pkl; movienight does not "
        "need them.)");
  }
  const std::string url = zip_url(d, fetch_base_url(base_url));
  std::string files;
  for (const auto& f : d.files) files += " " + f;
  return "To get " + d.name + " by hand:\n  1. download " + url + " (about " + human_bytes(d.approx_bytes) +
         ") with a browser, or:\n       curl -fLO " + url + "\n  2. unzip it into " + dest.string() +
         "/ so that the files land in " + (dest / d.folder).string() + "/ (" + files.substr(1) +
         "):\n       unzip -o " + d.name + ".zip -d " + quote_path(dest) + "\n  3. movienight info --data " +
         quote_path(dest / d.folder) + "\n";
}

FetchResult fetch_dataset(const FetchOptions& options) {
  const KnownDataset& d = require_known(options.name);
  if (!d.downloadable) {
    const fs::path folder = d.name == "minilm" ? fs::path(d.folder) : options.dest / d.folder;
    return {FetchOutcome::kManual, folder, {}, manual_download_help(d.name, options.dest, options.base_url)};
  }

  const fs::path folder = options.dest / d.folder;
  if (!options.force && holds_files(folder, d)) return {FetchOutcome::kAlreadyPresent, folder, {}, ""};

  const std::string url = zip_url(d, fetch_base_url(options.base_url));
  const auto fail = [&](const std::string& what) -> Error {
    return Error(ErrorKind::kIo, what + "\n" + manual_download_help(d.name, options.dest, options.base_url));
  };

  Rollback created_dest;  // a failed fetch leaves no new empty folder behind either
  created_dest.make_dirs(options.dest);
  TempFile zip(options.dest, d.name + ".zip.part");
  try {
    const std::uint64_t bytes = download(url, zip, d, options);
    const double ratio = static_cast<double>(bytes) / static_cast<double>(d.approx_bytes);
    if (ratio < 1 - kSizeTolerance || ratio > 1 + kSizeTolerance) {
      throw DownloadFailure{"received " + std::to_string(bytes) + " bytes, but " + d.name +
                            ".zip should be about " + std::to_string(d.approx_bytes) +
                            " bytes; this is not the expected file"};
    }
    if (::fsync(zip.fd()) != 0) throw_io_error(zip.path().string(), "fsync failed");
    zip.close();
    std::vector<std::string> files = extract_zip(zip.path(), options.dest, d);
    created_dest.commit();
    return {FetchOutcome::kDownloaded, folder, std::move(files), ""};
  } catch (const DownloadFailure& f) {
    throw fail("could not fetch " + d.name + " from " + url + ": " + f.reason + ".");
  }
}

}  // namespace mn
