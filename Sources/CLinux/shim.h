#ifndef MLM_CLINUX_SHIM_H
#define MLM_CLINUX_SHIM_H
/* Linux calls Swift's Glibc module does not import: glibc declares them only under _GNU_SOURCE. */
#include <stddef.h>
#include <sys/types.h>

/* The last byte equal to c in the n bytes at s, or NULL. */
void *memrchr(const void *s, int c, size_t n);

int sync_file_range(int fd, __off64_t offset, __off64_t nbytes, unsigned int flags);

/* Starts writing a file's dirty pages in [offset, offset + nbytes) to disk and returns without
   waiting (SYNC_FILE_RANGE_WRITE): a later fsync then has little left to wait for. */
static inline int mlm_start_writeback(int fd, long long offset, long long nbytes) {
    return sync_file_range(fd, (__off64_t)offset, (__off64_t)nbytes, 2 /* SYNC_FILE_RANGE_WRITE */);
}

int fallocate(int fd, int mode, __off64_t offset, __off64_t len);

/* Frees the disk blocks and cached pages of [offset, offset + nbytes) of a file, keeping its size
   (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE): reads there then give zeros. -1 with errno
   EOPNOTSUPP where the file system cannot. */
static inline int mlm_punch_hole(int fd, long long offset, long long nbytes) {
    return fallocate(fd, 0x02 | 0x01, (__off64_t)offset, (__off64_t)nbytes);
}
#endif
