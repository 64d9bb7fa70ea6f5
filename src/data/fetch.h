#pragma once
// Getting the datasets: the MovieLens archives are downloaded from GroupLens (libcurl) and unzipped
// (libarchive) into a data folder; the datasets that need an account or a manual step (Kaggle's
// The Movies Dataset and Food.com, the MiniLM sentence encoder from Hugging Face) come with exact
// instructions instead.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace mn {

inline constexpr const char* kGroupLensBaseUrl = "https://files.grouplens.org/datasets/movielens/";

struct KnownDataset {
  std::string name;                // what `movienight fetch NAME` takes
  bool downloadable;               // true: movienight downloads it; false: the user does
  std::string source;              // the page or base URL it comes from
  std::uint64_t approx_bytes;      // size of the download (the zip for MovieLens)
  std::string folder;              // where it lands, relative to the data folder (or to . for models)
  std::vector<std::string> files;  // the files that must be there afterwards (relative to folder)
  std::string description;
};

// Every name fetch knows, in the order `fetch --list` prints them.
const std::vector<KnownDataset>& known_datasets();
// nullptr for an unknown name.
const KnownDataset* find_known_dataset(std::string_view name);
// The table printed by `movienight fetch --list`.
std::string known_datasets_table();

struct FetchOptions {
  std::string name;
  std::filesystem::path dest = "data";
  // Replaces https://files.grouplens.org/datasets/movielens/; empty: $MOVIENIGHT_FETCH_BASE_URL,
  // else GroupLens.
  std::string base_url;
  bool force = false;  // download again even when dest/NAME already holds the files
  std::chrono::seconds connect_timeout{20};
  // Give up when less than one byte per second arrives for this long.
  std::chrono::seconds stall_timeout{60};
};

enum class FetchOutcome {
  kDownloaded,      // downloaded and unzipped into folder
  kAlreadyPresent,  // folder already held the files; nothing was done
  kManual,          // the user must download it; message says how
};

struct FetchResult {
  FetchOutcome outcome;
  std::filesystem::path folder;    // where the files are (or must be put)
  std::vector<std::string> files;  // the files extracted (kDownloaded), relative to folder
                                   // (to dest for entries outside folder)
  std::string message;             // kManual: manual_download_help()
};

// Downloads and unzips a MovieLens dataset into options.dest / NAME, or, for the datasets that need
// a manual download, returns the instructions. Throws mn::Error: kInvalidInput for an unknown name
// (the message lists the known ones) or an archive with unsafe paths, kIo when the download or the
// unzip fails (the message says what failed and how to do it by hand). A failure leaves no partial
// files in dest.
FetchResult fetch_dataset(const FetchOptions& options);

// What to download from where, and where to put it, for any known name (for MovieLens too: the
// steps to do by hand what fetch does). Throws mn::Error(kInvalidInput) for an unknown name.
std::string manual_download_help(const std::string& name, const std::filesystem::path& dest = "data",
                                 const std::string& base_url = "");

// The base URL fetch uses: given if not empty, else $MOVIENIGHT_FETCH_BASE_URL, else GroupLens;
// always ends with '/'.
std::string fetch_base_url(const std::string& given);

}  // namespace mn
