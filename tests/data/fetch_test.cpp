// fetch against a local HTTP server: a zip built here from the real ml-latest-small files is served
// on 127.0.0.1, downloaded, unzipped and compared byte for byte; broken downloads and hostile
// archives must fail cleanly and leave nothing behind.
#include "data/fetch.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <thread>
#include <utility>
#include <vector>

#include "io/file.h"
#include "test_support.h"
#include "util/error.h"

namespace mn {
namespace {
namespace fs = std::filesystem;

const std::vector<std::string> kFiles = {"movies.csv", "ratings.csv", "links.csv", "tags.csv"};

struct ZipItem {
  std::string name;
  std::string contents;
  bool directory = false;
};

la_ssize_t append_to_string(struct archive*, void* client, const void* buffer, size_t length) {
  static_cast<std::string*>(client)->append(static_cast<const char*>(buffer), length);
  return static_cast<la_ssize_t>(length);
}

std::string make_zip(const std::vector<ZipItem>& items) {
  std::string out;
  struct archive* a = archive_write_new();
  EXPECT_EQ(archive_write_set_format_zip(a), ARCHIVE_OK);
  archive_write_set_bytes_per_block(a, 0);
  EXPECT_EQ(archive_write_open(a, &out, nullptr, &append_to_string, nullptr), ARCHIVE_OK);
  for (const auto& item : items) {
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, item.name.c_str());
    archive_entry_set_filetype(e, item.directory ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(e, item.directory ? 0755 : 0644);
    archive_entry_set_size(e, static_cast<la_int64_t>(item.contents.size()));
    archive_entry_set_mtime(e, 1537999999, 0);
    EXPECT_EQ(archive_write_header(a, e), ARCHIVE_OK) << archive_error_string(a);
    if (!item.contents.empty()) {
      EXPECT_EQ(archive_write_data(a, item.contents.data(), item.contents.size()),
                static_cast<la_ssize_t>(item.contents.size()));
    }
    archive_entry_free(e);
  }
  EXPECT_EQ(archive_write_close(a), ARCHIVE_OK);
  archive_write_free(a);
  return out;
}

fs::path originals() { return test::datasets_dir() / "ml-latest-small"; }

std::vector<ZipItem> real_items() {
  std::vector<ZipItem> items = {{"ml-latest-small/", "", true}};
  for (const auto& f : kFiles) items.push_back({"ml-latest-small/" + f, read_file(originals() / f)});
  return items;
}

// The zip GroupLens serves, rebuilt from the real files (about 980 KB, like the original).
const std::string& good_zip() {
  static const std::string zip = make_zip(real_items());
  return zip;
}

class LocalServer {
 public:
  explicit LocalServer(const std::function<void(httplib::Server&)>& routes) {
    routes(server_);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~LocalServer() {
    server_.stop();
    thread_.join();
  }
  LocalServer(const LocalServer&) = delete;
  LocalServer& operator=(const LocalServer&) = delete;
  std::string url(const std::string& dir) const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/" + dir + "/";
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

// Serves /NAME/ml-latest-small.zip with the given bytes, counting requests.
LocalServer serve_zips(const std::vector<std::pair<std::string, std::string>>& zips, std::atomic<int>* hits) {
  return LocalServer([&](httplib::Server& s) {
    for (const auto& [dir, bytes] : zips) {
      s.Get("/" + dir + "/ml-latest-small.zip",
            [bytes, hits](const httplib::Request&, httplib::Response& res) {
              if (hits != nullptr) ++*hits;
              res.set_content(bytes, "application/zip");
            });
    }
  });
}

FetchOptions options_for(const fs::path& dest, const std::string& base_url) {
  FetchOptions o;
  o.name = "ml-latest-small";
  o.dest = dest;
  o.base_url = base_url;
  o.connect_timeout = std::chrono::seconds(2);
  o.stall_timeout = std::chrono::seconds(5);
  return o;
}

// Everything under dir (hidden files included), relative to dir. A failed fetch leaves nothing:
// no files, no temporary files, and no folder it created.
std::vector<std::string> tree(const fs::path& dir) {
  std::vector<std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    out.push_back(fs::relative(e.path(), dir).string());
  std::sort(out.begin(), out.end());
  return out;
}

Error expect_fetch_error(const FetchOptions& options) {
  try {
    fetch_dataset(options);
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "fetch_dataset did not throw";
  return Error(ErrorKind::kInternal, "");
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(FetchTest, RebuiltZipHasTheOriginalsSize) {
  // The size check accepts 10 % around GroupLens' 978202 bytes; the test zip must fall inside.
  EXPECT_NEAR(static_cast<double>(good_zip().size()), 978202.0, 0.1 * 978202);
}

TEST(FetchTest, DownloadsAndUnzipsByteIdenticalFiles) {
  std::atomic<int> hits{0};
  LocalServer server = serve_zips({{"movielens", good_zip()}}, &hits);
  test::TempDir tmp;
  const fs::path dest = tmp / "data";
  const FetchResult r = fetch_dataset(options_for(dest, server.url("movielens")));
  EXPECT_EQ(r.outcome, FetchOutcome::kDownloaded);
  EXPECT_EQ(r.folder, dest / "ml-latest-small");
  EXPECT_EQ(r.files, kFiles);
  for (const auto& f : kFiles) {
    EXPECT_TRUE(read_file(dest / "ml-latest-small" / f) == read_file(originals() / f)) << f;
  }
  // No zip or temporary file is left.
  EXPECT_EQ(tree(dest), (std::vector<std::string>{"ml-latest-small", "ml-latest-small/links.csv",
                                                  "ml-latest-small/movies.csv", "ml-latest-small/ratings.csv",
                                                  "ml-latest-small/tags.csv"}));
  EXPECT_EQ(hits.load(), 1);

  // Second time: the files are there, nothing is downloaded.
  const FetchResult again = fetch_dataset(options_for(dest, server.url("movielens")));
  EXPECT_EQ(again.outcome, FetchOutcome::kAlreadyPresent);
  EXPECT_EQ(again.folder, dest / "ml-latest-small");
  EXPECT_EQ(hits.load(), 1);

  // --force downloads again.
  FetchOptions force = options_for(dest, server.url("movielens"));
  force.force = true;
  EXPECT_EQ(fetch_dataset(force).outcome, FetchOutcome::kDownloaded);
  EXPECT_EQ(hits.load(), 2);
  EXPECT_EQ(tree(dest).size(), 5u);
}

TEST(FetchTest, NotFoundNamesTheUrlAndTheManualSteps) {
  LocalServer server = serve_zips({}, nullptr);
  test::TempDir tmp;
  const FetchOptions o = options_for(tmp / "data", server.url("missing"));
  const Error e = expect_fetch_error(o);
  EXPECT_EQ(e.kind(), ErrorKind::kIo);
  const std::string msg = e.what();
  const std::string url = server.url("missing") + "ml-latest-small.zip";
  EXPECT_TRUE(contains(msg, url)) << msg;
  EXPECT_TRUE(contains(msg, "404")) << msg;
  EXPECT_TRUE(contains(msg, "curl -fLO " + url)) << msg;
  EXPECT_TRUE(contains(msg, "unzip -o ml-latest-small.zip -d " + (tmp / "data").string())) << msg;
  EXPECT_EQ(tree(tmp.path()), std::vector<std::string>{});
}

TEST(FetchTest, UnreachableServerIsAnIoError) {
  test::TempDir tmp;
  // Nothing listens on the discard port of the loopback interface.
  const Error e = expect_fetch_error(options_for(tmp / "data", "http://127.0.0.1:9"));
  EXPECT_EQ(e.kind(), ErrorKind::kIo);
  EXPECT_TRUE(contains(e.what(), "http://127.0.0.1:9/ml-latest-small.zip")) << e.what();
  EXPECT_EQ(tree(tmp.path()), std::vector<std::string>{});
}

TEST(FetchTest, CutOffDownloadLeavesNothingBehind) {
  const std::string& zip = good_zip();
  LocalServer server([&](httplib::Server& s) {
    s.Get("/short/ml-latest-small.zip", [&zip](const httplib::Request&, httplib::Response& res) {
      // Announces the whole zip, sends half of it, then hangs up.
      res.set_content_provider(zip.size(), "application/zip",
                               [&zip](size_t offset, size_t, httplib::DataSink& sink) {
                                 const size_t half = zip.size() / 2;
                                 if (offset >= half) return false;
                                 sink.write(zip.data() + offset, std::min<size_t>(half - offset, 65536));
                                 return true;
                               });
    });
  });
  test::TempDir tmp;
  const Error e = expect_fetch_error(options_for(tmp / "data", server.url("short")));
  EXPECT_EQ(e.kind(), ErrorKind::kIo);
  EXPECT_TRUE(contains(e.what(), server.url("short") + "ml-latest-small.zip")) << e.what();
  EXPECT_EQ(tree(tmp.path()), std::vector<std::string>{});
}

TEST(FetchTest, CorruptZipLeavesNothingBehind) {
  std::string zip = good_zip();
  // Overwrite bytes in the middle of ratings.csv's compressed data (movies.csv comes first, so it
  // has been unzipped by the time the damage is found and must be removed again).
  for (size_t i = zip.size() / 2; i < zip.size() / 2 + 4096; ++i) zip[i] = static_cast<char>(i * 7);
  LocalServer server = serve_zips({{"corrupt", zip}}, nullptr);
  test::TempDir tmp;
  const Error e = expect_fetch_error(options_for(tmp / "data", server.url("corrupt")));
  EXPECT_EQ(e.kind(), ErrorKind::kIo);
  EXPECT_TRUE(contains(e.what(), "zip")) << e.what();
  EXPECT_EQ(tree(tmp.path()), std::vector<std::string>{});
}

TEST(FetchTest, ZipWithUnsafePathsIsRefused) {
  for (const std::string evil :
       {"../evil", "ml-latest-small/../../evil", "/tmp/movienight-fetch-test-evil"}) {
    // The hostile entry comes after ml-latest-small/movies.csv.
    const std::vector<ZipItem> real = real_items();
    std::vector<ZipItem> items(real.begin(), real.begin() + 2);
    items.push_back({evil, "gotcha\n"});
    items.insert(items.end(), real.begin() + 2, real.end());
    LocalServer server = serve_zips({{"evil", make_zip(items)}}, nullptr);
    test::TempDir tmp;
    const fs::path dest = tmp / "a" / "data";
    const Error e = expect_fetch_error(options_for(dest, server.url("evil")));
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidInput) << e.what();
    EXPECT_TRUE(contains(e.what(), evil)) << e.what();
    EXPECT_FALSE(fs::exists("/tmp/movienight-fetch-test-evil"));
    EXPECT_EQ(tree(tmp.path()), std::vector<std::string>{}) << evil;
  }
}

TEST(FetchTest, DownloadOfTheWrongSizeIsRefused) {
  // A valid zip with the right layout but a fraction of the size GroupLens serves.
  std::vector<ZipItem> items = {{"ml-latest-small/", "", true}};
  for (const auto& f : kFiles) items.push_back({"ml-latest-small/" + f, f + " header\n"});
  LocalServer server = serve_zips({{"small", make_zip(items)}}, nullptr);
  test::TempDir tmp;
  const Error e = expect_fetch_error(options_for(tmp / "data", server.url("small")));
  EXPECT_EQ(e.kind(), ErrorKind::kIo);
  EXPECT_TRUE(contains(e.what(), "978202")) << e.what();
  EXPECT_EQ(tree(tmp.path()), std::vector<std::string>{});
}

TEST(FetchTest, ZipWithoutTheExpectedFilesIsRefused) {
  // Right size, wrong folder name.
  std::vector<ZipItem> items;
  for (const auto& f : kFiles) items.push_back({"other/" + f, read_file(originals() / f)});
  LocalServer server = serve_zips({{"other", make_zip(items)}}, nullptr);
  test::TempDir tmp;
  const Error e = expect_fetch_error(options_for(tmp / "data", server.url("other")));
  EXPECT_EQ(e.kind(), ErrorKind::kIo);
  EXPECT_TRUE(contains(e.what(), "ml-latest-small/ratings.csv")) << e.what();
  EXPECT_EQ(tree(tmp.path()), std::vector<std::string>{});
}

TEST(FetchTest, BaseUrlComesFromTheOptionThenTheEnvironment) {
  const char* saved = std::getenv("MOVIENIGHT_FETCH_BASE_URL");
  const std::string saved_value = saved == nullptr ? "" : saved;
  ::unsetenv("MOVIENIGHT_FETCH_BASE_URL");
  EXPECT_EQ(fetch_base_url(""), "https://files.grouplens.org/datasets/movielens/");
  EXPECT_EQ(fetch_base_url("http://mirror/x"), "http://mirror/x/");
  ::setenv("MOVIENIGHT_FETCH_BASE_URL", "http://env-mirror/y/", 1);
  EXPECT_EQ(fetch_base_url(""), "http://env-mirror/y/");
  EXPECT_EQ(fetch_base_url("http://mirror/x/"), "http://mirror/x/");
  if (saved == nullptr) {
    ::unsetenv("MOVIENIGHT_FETCH_BASE_URL");
  } else {
    ::setenv("MOVIENIGHT_FETCH_BASE_URL", saved_value.c_str(), 1);
  }
}

TEST(FetchTest, UnknownNameListsTheKnownOnes) {
  FetchOptions o;
  o.name = "ml-50m";
  const Error e = expect_fetch_error(o);
  EXPECT_EQ(e.kind(), ErrorKind::kInvalidInput);
  for (const char* name :
       {"ml-latest-small", "ml-100k", "ml-1m", "ml-20m", "ml-25m", "tmdb", "foodcom", "minilm"}) {
    EXPECT_TRUE(contains(e.what(), name)) << e.what();
  }
}

TEST(FetchTest, ManualDatasetsExplainWhatToDownloadAndWhere) {
  test::TempDir tmp;
  FetchOptions o;
  o.dest = tmp / "data";

  o.name = "tmdb";
  FetchResult r = fetch_dataset(o);
  EXPECT_EQ(r.outcome, FetchOutcome::kManual);
  EXPECT_EQ(r.folder, tmp / "data" / "the-movies-dataset");
  for (const char* s : {"https://www.kaggle.com/datasets/rounakbanik/the-movies-dataset",
                        "movies_metadata.csv", "credits.csv", "keywords.csv", "links.csv"}) {
    EXPECT_TRUE(contains(r.message, s)) << s << "\n" << r.message;
  }
  EXPECT_TRUE(contains(r.message, (tmp / "data" / "the-movies-dataset").string())) << r.message;

  o.name = "foodcom";
  r = fetch_dataset(o);
  EXPECT_EQ(r.outcome, FetchOutcome::kManual);
  for (const char* s : {"https://www.kaggle.com/datasets/shuyangli94/food-com-recipes-and-user-interactions",
                        "RAW_recipes.csv", "RAW_interactions.csv"}) {
    EXPECT_TRUE(contains(r.message, s)) << s << "\n" << r.message;
  }
  EXPECT_TRUE(contains(r.message, (tmp / "data" / "foodcom").string())) << r.message;

  o.name = "minilm";
  r = fetch_dataset(o);
  EXPECT_EQ(r.outcome, FetchOutcome::kManual);
  EXPECT_EQ(r.folder, fs::path("models/all-MiniLM-L6-v2"));
  for (const char* s : {"https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2", "model.safetensors",
                        "config.json", "vocab.txt", "tokenizer.json", "sentence_bert_config.json",
                        "1_Pooling/config.json", "models/all-MiniLM-L6-v2"}) {
    EXPECT_TRUE(contains(r.message, s)) << s << "\n" << r.message;
  }
  // Nothing is written for the manual datasets.
  EXPECT_FALSE(fs::exists(tmp / "data"));
}

// The command itself, against the same local server.
std::string bin() { return "'" + test::movienight_binary().string() + "'"; }

TEST(FetchTest, CommandLine) {
  std::string out;
  ASSERT_EQ(test::run_command(bin() + " fetch --help", out), 0) << out;
  EXPECT_TRUE(contains(out, "--base-url")) << out;

  ASSERT_EQ(test::run_command(bin() + " fetch --list", out), 0) << out;
  for (const char* s : {"ml-latest-small", "ml-100k", "ml-1m", "ml-20m", "ml-25m", "tmdb", "foodcom",
                        "minilm", "https://files.grouplens.org/datasets/movielens/ml-25m.zip", "262 MB"}) {
    EXPECT_TRUE(contains(out, s)) << s << "\n" << out;
  }

  EXPECT_EQ(test::run_command(bin() + " fetch ml-50m", out), 2) << out;
  EXPECT_TRUE(contains(out, "ml-latest-small")) << out;

  test::TempDir tmp;
  for (const char* name : {"tmdb", "foodcom", "minilm"}) {
    ASSERT_EQ(test::run_command(bin() + " fetch " + name + " --dest '" + (tmp / "data").string() + "'", out),
              0)
        << out;
    EXPECT_TRUE(contains(out, "https://")) << out;
  }

  std::atomic<int> hits{0};
  LocalServer server = serve_zips({{"movielens", good_zip()}}, &hits);
  const std::string dest = (tmp / "data").string();
  const std::string cmd =
      bin() + " -q fetch ml-latest-small --dest '" + dest + "' --base-url " + server.url("movielens");
  ASSERT_EQ(test::run_command(cmd, out), 0) << out;
  EXPECT_TRUE(contains(out, "next: movienight info --data " + dest + "/ml-latest-small")) << out;
  EXPECT_TRUE(read_file(tmp / "data" / "ml-latest-small" / "ratings.csv") ==
              read_file(originals() / "ratings.csv"));
  ASSERT_EQ(test::run_command(cmd, out), 0) << out;
  EXPECT_TRUE(contains(out, "already holds")) << out;
  EXPECT_EQ(hits.load(), 1);

  // The environment variable stands in for --base-url.
  ASSERT_EQ(test::run_command("MOVIENIGHT_FETCH_BASE_URL=" + server.url("movielens") + " " + bin() +
                                  " -q fetch ml-latest-small --force --dest '" + dest + "'",
                              out),
            0)
      << out;
  EXPECT_EQ(hits.load(), 2);

  // A failed download exits 2 and says what to do.
  EXPECT_EQ(test::run_command(bin() + " -q fetch ml-latest-small --force --dest '" + dest + "' --base-url " +
                                  server.url("nothing-here"),
                              out),
            2)
      << out;
  EXPECT_TRUE(contains(out, "404")) << out;
  EXPECT_TRUE(contains(out, "unzip")) << out;
}

// The main job's path: no data anywhere, so `info --fetch-missing` downloads ml-latest-small into
// ./data and summarises it; offline, it says what to do.
TEST(FetchTest, InfoFetchesWhenNoDataIsFound) {
  std::atomic<int> hits{0};
  LocalServer server = serve_zips({{"movielens", good_zip()}}, &hits);
  test::TempDir tmp;
  std::string out;
  const std::string in_tmp = "cd '" + tmp.path().string() + "' && env -u MOVIENIGHT_DATA ";
  ASSERT_EQ(test::run_command(in_tmp + "MOVIENIGHT_FETCH_BASE_URL=" + server.url("movielens") + " " + bin() +
                                  " info --fetch-missing --json 2>/dev/null",
                              out),
            0)
      << out;
  EXPECT_EQ(hits.load(), 1);
  EXPECT_TRUE(contains(out, "\"ratings\": 100836")) << out;
  EXPECT_TRUE(fs::exists(tmp / "data" / "ml-latest-small" / "movies.csv"));
  // The second run finds ./data and does not download again.
  ASSERT_EQ(test::run_command(in_tmp + bin() + " -q info --fetch-missing", out), 0) << out;
  EXPECT_EQ(hits.load(), 1);

  test::TempDir offline;
  EXPECT_EQ(test::run_command("cd '" + offline.path().string() + "' && env -u MOVIENIGHT_DATA " +
                                  "MOVIENIGHT_FETCH_BASE_URL=" + server.url("nothing-here") + " " + bin() +
                                  " -q info --fetch-missing",
                              out),
            2);
  EXPECT_TRUE(contains(out, "movienight fetch ml-latest-small")) << out;
  EXPECT_FALSE(fs::exists(offline / "data" / "ml-latest-small"));
}

}  // namespace
}  // namespace mn
