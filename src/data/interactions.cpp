#include "data/interactions.h"

#include <omp.h>

#include <algorithm>
#include <numeric>

namespace mn {

std::int32_t Interactions::rated_items() const {
  std::int32_t n = 0;
  for (std::size_t i = 0; i + 1 < item_ptr.size(); ++i) n += item_ptr[i + 1] > item_ptr[i] ? 1 : 0;
  return n;
}

std::size_t Interactions::memory_bytes() const {
  return user_ids.size() * sizeof(std::int64_t) + user_ptr.size() * sizeof(std::int64_t) +
         items.size() * sizeof(std::int32_t) + ratings.size() * sizeof(float) +
         timestamps.size() * sizeof(std::int64_t) + item_ptr.size() * sizeof(std::int64_t) +
         item_users.size() * sizeof(std::int32_t) + csr_pos.size() * sizeof(std::int64_t);
}

Interactions Interactions::from_triples(std::vector<RatingTriple>&& triples,
                                        std::vector<std::int64_t> user_ids, std::int32_t n_items,
                                        float rating_min, float rating_max) {
  Interactions out;
  out.user_ids = std::move(user_ids);
  out.rating_min = rating_min;
  out.rating_max = rating_max;
  const std::size_t n_users = out.user_ids.size();
  out.user_ptr.assign(n_users + 1, 0);
  for (const RatingTriple& t : triples) ++out.user_ptr[static_cast<std::size_t>(t.user) + 1];
  std::partial_sum(out.user_ptr.begin(), out.user_ptr.end(), out.user_ptr.begin());
  const std::size_t nnz = triples.size();
  out.items.resize(nnz);
  out.ratings.resize(nnz);
  out.timestamps.resize(nnz);
  std::vector<std::int64_t> cursor(out.user_ptr.begin(), out.user_ptr.end() - 1);
  for (const RatingTriple& t : triples) {
    const auto pos = static_cast<std::size_t>(cursor[static_cast<std::size_t>(t.user)]++);
    out.items[pos] = t.item;
    out.ratings[pos] = t.rating;
    out.timestamps[pos] = t.timestamp;
  }
  triples.clear();
  triples.shrink_to_fit();
  out.finish(n_items);
  return out;
}

void Interactions::finish(std::int32_t n_items) {
  const std::int32_t n_users_ = n_users();
  // Each user's entries in (timestamp, item) order: what temporal splits and fold-in read.
#pragma omp parallel
  {
    std::vector<std::uint32_t> order;
    std::vector<std::int32_t> tmp_items;
    std::vector<float> tmp_ratings;
    std::vector<std::int64_t> tmp_ts;
#pragma omp for schedule(dynamic, 256)
    for (std::int32_t u = 0; u < n_users_; ++u) {
      const auto begin = static_cast<std::size_t>(user_ptr[static_cast<std::size_t>(u)]);
      const auto end = static_cast<std::size_t>(user_ptr[static_cast<std::size_t>(u) + 1]);
      bool sorted = true;
      for (std::size_t i = begin + 1; i < end && sorted; ++i) {
        sorted = timestamps[i - 1] < timestamps[i] ||
                 (timestamps[i - 1] == timestamps[i] && items[i - 1] <= items[i]);
      }
      if (sorted) continue;
      const std::size_t n = end - begin;
      order.resize(n);
      std::iota(order.begin(), order.end(), 0U);
      std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
        const std::size_t ia = begin + a, ib = begin + b;
        return timestamps[ia] != timestamps[ib] ? timestamps[ia] < timestamps[ib] : items[ia] < items[ib];
      });
      tmp_items.resize(n);
      tmp_ratings.resize(n);
      tmp_ts.resize(n);
      for (std::size_t k = 0; k < n; ++k) {
        tmp_items[k] = items[begin + order[k]];
        tmp_ratings[k] = ratings[begin + order[k]];
        tmp_ts[k] = timestamps[begin + order[k]];
      }
      std::copy(tmp_items.begin(), tmp_items.end(), items.begin() + static_cast<std::ptrdiff_t>(begin));
      std::copy(tmp_ratings.begin(), tmp_ratings.end(), ratings.begin() + static_cast<std::ptrdiff_t>(begin));
      std::copy(tmp_ts.begin(), tmp_ts.end(), timestamps.begin() + static_cast<std::ptrdiff_t>(begin));
    }
  }

  // CSC. Each thread takes a contiguous run of users, counts its entries per item, and then fills
  // its own slots: a thread's slots for an item start after those of the threads before it, so
  // users stay ascending within every item and no two threads write the same place.
  const int threads = std::max(1, std::min(omp_get_max_threads(), n_users_));
  const auto n_threads = static_cast<std::size_t>(threads);
  const std::size_t n_items_z = static_cast<std::size_t>(n_items);
  std::vector<std::int32_t> first_user = {0};
  for (std::size_t t = 1; t < n_threads; ++t) {
    const std::int64_t target = nnz() * static_cast<std::int64_t>(t) / threads;
    const auto u = static_cast<std::int32_t>(std::lower_bound(user_ptr.begin(), user_ptr.end(), target) -
                                             user_ptr.begin());
    first_user.push_back(std::clamp(u, first_user.back(), n_users_));
  }
  first_user.push_back(n_users_);
  std::vector<std::vector<std::int64_t>> cursor(n_threads);
#pragma omp parallel num_threads(threads)
  {
    const auto t = static_cast<std::size_t>(omp_get_thread_num());
    std::vector<std::int64_t>& count = cursor[t];
    count.assign(n_items_z, 0);
    const std::int64_t begin = user_ptr[static_cast<std::size_t>(first_user[t])];
    const std::int64_t end = user_ptr[static_cast<std::size_t>(first_user[t + 1])];
    for (std::int64_t p = begin; p < end; ++p)
      ++count[static_cast<std::size_t>(items[static_cast<std::size_t>(p)])];
  }
  item_ptr.assign(n_items_z + 1, 0);
  for (std::size_t i = 0; i < n_items_z; ++i) {
    std::int64_t offset = item_ptr[i];
    for (std::size_t t = 0; t < n_threads; ++t) {
      const std::int64_t c = cursor[t][i];
      cursor[t][i] = offset;  // from now on: the thread's next slot for item i
      offset += c;
    }
    item_ptr[i + 1] = offset;
  }
  item_users.resize(items.size());
  csr_pos.resize(items.size());
#pragma omp parallel num_threads(threads)
  {
    const auto t = static_cast<std::size_t>(omp_get_thread_num());
    std::vector<std::int64_t>& next = cursor[t];
    for (std::int32_t u = first_user[t]; u < first_user[t + 1]; ++u) {
      for (std::int64_t p = user_ptr[static_cast<std::size_t>(u)];
           p < user_ptr[static_cast<std::size_t>(u) + 1]; ++p) {
        const auto slot =
            static_cast<std::size_t>(next[static_cast<std::size_t>(items[static_cast<std::size_t>(p)])]++);
        item_users[slot] = u;
        csr_pos[slot] = p;
      }
    }
  }
}

}  // namespace mn
