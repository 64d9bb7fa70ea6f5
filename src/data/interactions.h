#pragma once
// User-item ratings as CSR by user (item, rating, timestamp per entry) and CSC by item (user and
// the entry's CSR position, so ratings and timestamps are stored once). Users have dense indices
// in ascending order of the file's ids; items are catalog indices.
#include <cstdint>
#include <span>
#include <vector>

namespace mn {

struct RatingTriple {
  std::int32_t user;  // dense
  std::int32_t item;  // catalog index
  float rating;
  std::int64_t timestamp;
};

struct Interactions {
  std::vector<std::int64_t> user_ids;  // dense user -> the file's userId

  // CSR by user. Within a user, entries are sorted by (timestamp, item).
  std::vector<std::int64_t> user_ptr;  // size users + 1
  std::vector<std::int32_t> items;
  std::vector<float> ratings;
  std::vector<std::int64_t> timestamps;

  // CSC by item, users ascending; csr_pos points back into the CSR arrays.
  std::vector<std::int64_t> item_ptr;  // size n_items + 1
  std::vector<std::int32_t> item_users;
  std::vector<std::int64_t> csr_pos;

  float rating_min = 0;  // the scale of the source format
  float rating_max = 0;

  std::int32_t n_users() const { return static_cast<std::int32_t>(user_ids.size()); }
  std::int32_t n_items() const {
    return item_ptr.empty() ? 0 : static_cast<std::int32_t>(item_ptr.size() - 1);
  }
  std::int64_t nnz() const { return static_cast<std::int64_t>(items.size()); }
  std::span<const std::int32_t> user_items(std::int32_t u) const {
    return {items.data() + user_ptr[static_cast<std::size_t>(u)],
            static_cast<std::size_t>(user_ptr[static_cast<std::size_t>(u) + 1] -
                                     user_ptr[static_cast<std::size_t>(u)])};
  }
  std::int32_t rated_items() const;
  std::size_t memory_bytes() const;

  // Builds CSR + CSC from triples (dense users and items already assigned). Consumes the input.
  static Interactions from_triples(std::vector<RatingTriple>&& triples, std::vector<std::int64_t> user_ids,
                                   std::int32_t n_items, float rating_min, float rating_max);
  // Builds CSC from the CSR arrays (and sorts each user's entries by (timestamp, item)).
  void finish(std::int32_t n_items);
};

}  // namespace mn
