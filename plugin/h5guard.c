/* h5guard.c — checks the file structures libhdf5 trusts, before it reads them.
 *
 * Found by fuzzing (tests/fuzz; weights/FORMAT.md, "Hostile files"):
 * libhdf5 1.10.8 (Debian 12) takes some sizes, addresses and indices in a
 * file on faith and misbehaves before it can report an error. The HDF5 API
 * offers no way to refuse such a file first, so before H5Fopen this file
 * walks the file itself, with a bounds check on every byte read, and fails
 * the load (DL2O_EFORMAT) when a structure is damaged:
 *
 * - The superblock (found at 0, 512, 1024, ... as libhdf5 finds it), the
 *   root group and every object reachable from it by hard links: each
 *   object header (version 1, or 2 "OHDR" with "OCHK" continuations) must
 *   lie in the file with chunks of possible sizes (a 16 GiB chunk size made
 *   libhdf5 allocate 16 GiB in H5Fopen).
 * - Old-style groups: the symbol table message's local heap ("HEAP", H5HL)
 *   must have its data block in the file (an undefined address made
 *   libhdf5 copy into a failed allocation: SIGSEGV in H5Lexists); B-tree
 *   nodes ("TREE") and symbol nodes ("SNOD") must be in the file, with
 *   children, objects and cached addresses in the file and every name
 *   offset inside the heap and NUL-terminated there. New-style groups:
 *   hard links in link messages are followed; external links (libhdf5
 *   would open the file they name, unchecked) and dense link or attribute
 *   storage (fractal heaps) are refused: dl2o and h5py's defaults never
 *   write them.
 * - Attribute messages of the root group: H5Aexists decodes all of them,
 *   copying elements x element size bytes of value without comparing that
 *   with the message's size (heap over-read): every value must fit in its
 *   message. Shared messages and committed types are refused.
 * - Variable-length strings: an attribute's value is a descriptor (length,
 *   global heap collection address, object index); the bytes live in a
 *   global heap collection ("GCOL", H5HG). A damaged collection makes
 *   H5Aread loop forever (a zero-size free-space block), read past its
 *   buffer (an object larger than the collection) or write past the string
 *   (an object longer than the descriptor says); a damaged descriptor
 *   indexes past the collection's table, or a damaged character size asks
 *   for gigabytes. Each collection a root attribute's string names is walked
 *   as libhdf5 walks it, and each descriptor must name an existing object
 *   of exactly its length. The names that passed are kept in the reader;
 *   dl2o_h5_attr_str reads a variable-length string only if its name is
 *   there. Fixed-length strings do not use the heap.
 *
 * Dataset storage (contiguous only) is checked through the HDF5 API in
 * h5util_read.c. What stays libhdf5's own risk is listed in FORMAT.md.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "h5util.h"

#define CHUNKS_MAX 64                    /* object header chunks followed */
#define CHUNK_BYTES_MAX ((size_t)16 << 20) /* bytes in one header chunk */
#define GCOL_MIN 4096                    /* H5HG_MINSIZE: libhdf5 writes no smaller */
#define GCOL_MAX ((uint64_t)16 << 20)    /* larger than any string we accept */
#define HEADER_BYTES_MAX ((uint64_t)64 << 20) /* header bytes read in all */
#define ATTRS_MAX 4096                   /* strings checked in all */
#define NAMES_MAX 256                    /* checked attribute names kept */
#define COLLS_MAX 16                     /* distinct collections checked */
#define HEAP_BYTES_MAX ((uint64_t)16 << 20) /* a group's local heap (link names) */
#define OBJECTS_MAX 65536                /* objects, B-tree and symbol nodes walked */
#define SEEN_SLOTS (2 * OBJECTS_MAX)     /* hash set of walked addresses */
#define DEPTH_MAX 64                     /* group nesting and B-tree levels */

typedef struct gcol {
    uint64_t addr;
    uint64_t n;      /* objects, at most 65535 (indices are 16-bit, each used once) */
    uint32_t *idx;   /* their indices, */
    uint64_t *size;  /* and sizes */
} gcol;

typedef struct guard {
    dl2o_h5_reader *r;
    int fd;
    uint64_t file_size, base;
    unsigned sa, ss;  /* sizeof addresses and lengths in the file: 2, 4 or 8 */
    gcol coll[COLLS_MAX];
    int n_coll;
    char *names;      /* checked attribute names, each NUL-terminated */
    size_t names_len;
    int n_names, n_attrs;
    uint64_t header_bytes;
    uint64_t *seen;   /* addresses walked (hash set, all ones = empty) */
    size_t n_seen;
    const char *defer; /* a superblock problem left to H5Fopen to report */
} guard;

static uint64_t le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = n; i-- > 0;) v = (v << 8) | p[i];
    return v;
}

static dl2o_status damaged(guard *g, const char *what, uint64_t at)
{
    return DL2O_FAIL(DL2O_EFORMAT, "%s: %s (at byte %llu); the file is damaged, %s", g->r->path,
                     what, (unsigned long long)at, g->r->remedy);
}

/* A layout libhdf5 reads but this check does not know: refused, since
 * libhdf5 would then read it unchecked. */
static dl2o_status unsupported(guard *g, const char *what)
{
    return DL2O_FAIL(DL2O_EFORMAT, "%s: %s, which this reader cannot check before libhdf5 "
                     "reads it; rewrite the file with h5py's default settings, or %s",
                     g->r->path, what, g->r->remedy);
}

/* Reads len bytes at file offset off (relative to the base address). */
static int read_at(guard *g, uint64_t off, void *buf, size_t len)
{
    if (g->base > g->file_size || off > g->file_size - g->base ||
        len > g->file_size - g->base - off)
        return -1;
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(g->fd, (char *)buf + done, len - done, (off_t)(g->base + off + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        done += (size_t)n;
    }
    return 0;
}

/* Walks the collection at addr as H5HG's deserializer does, refusing every
 * layout that would make it loop or leave the collection. */
static dl2o_status load_gcol(guard *g, uint64_t addr, gcol **out)
{
    dl2o_status st = DL2O_OK;
    for (int i = 0; i < g->n_coll; i++)
        if (g->coll[i].addr == addr) return *out = &g->coll[i], DL2O_OK;
    if (g->n_coll == COLLS_MAX) return damaged(g, "too many global heap collections", addr);
    unsigned hdr = 8 + g->ss, objhdr = 8 + g->ss;
    uint8_t head[16];
    if (read_at(g, addr, head, hdr) != 0 || memcmp(head, "GCOL", 4) != 0 || head[4] != 1)
        return damaged(g, "a string points to no global heap collection", addr);
    uint64_t size = le(head + 8, g->ss);
    if (size < GCOL_MIN || size > GCOL_MAX)
        return damaged(g, "a global heap collection has an impossible size", addr);
    uint8_t *c = malloc((size_t)size);
    gcol *gc = &g->coll[g->n_coll];
    memset(gc, 0, sizeof *gc);
    gc->addr = addr;
    uint64_t cap = size / objhdr < 65535 ? size / objhdr : 65535;
    uint8_t seen[65536 / 8];
    memset(seen, 0, sizeof seen);
    gc->idx = calloc((size_t)cap + 1, sizeof *gc->idx);
    gc->size = calloc((size_t)cap + 1, sizeof *gc->size);
    g->n_coll++; /* owns the arrays from here; freed with the guard */
    if (!c || !gc->idx || !gc->size) {
        st = DL2O_FAIL(DL2O_ENOMEM, "%s: out of memory checking a string heap", g->r->path);
        goto out;
    }
    if (read_at(g, addr, c, (size_t)size) != 0) {
        st = damaged(g, "a global heap collection runs past the end of the file", addr);
        goto out;
    }
    uint64_t p = hdr;
    while (p < size) {
        if (size - p < objhdr) break; /* a tail too small for an object: free space */
        unsigned idx = (unsigned)le(c + p, 2);
        uint64_t osize = le(c + p + 8, g->ss), need;
        if (idx > 0) {
            if (osize > size) {
                st = damaged(g, "a global heap object is larger than its collection", addr + p);
                goto out;
            }
            need = objhdr + ((osize + 7) & ~(uint64_t)7);
        } else {
            need = osize; /* free space: its size includes its header; 0 would loop */
            if (need < objhdr) {
                st = damaged(g, "a global heap free-space block has an impossible size", addr + p);
                goto out;
            }
        }
        if (need > size - p) {
            st = damaged(g, "a global heap object runs past its collection", addr + p);
            goto out;
        }
        if (idx > 0) {
            if (seen[idx / 8] & (1u << (idx % 8))) {
                st = damaged(g, "a global heap collection holds an object twice", addr + p);
                goto out;
            }
            seen[idx / 8] |= (uint8_t)(1u << (idx % 8));
            if (gc->n == cap) {
                st = damaged(g, "a global heap collection holds too many objects", addr + p);
                goto out;
            }
            gc->idx[gc->n] = idx;
            gc->size[gc->n++] = osize;
        }
        p += need;
    }
    *out = gc;
out:
    free(c);
    return st;
}

static int add_name(guard *g, const char *name)
{
    size_t len = strlen(name) + 1;
    if (g->n_names == NAMES_MAX) return 0;
    char *n = realloc(g->names, g->names_len + len + 1);
    if (!n) return -1;
    g->names = n;
    memcpy(n + g->names_len, name, len);
    g->names_len += len;
    n[g->names_len] = '\0'; /* a list ends with an empty name */
    g->n_names++;
    return 0;
}

/* One attribute message (its body b, blen bytes; at: its file offset). */
static dl2o_status attr_message(guard *g, const uint8_t *b, size_t blen, uint64_t at)
{
    if (blen < 8) return damaged(g, "an attribute message is truncated", at);
    unsigned ver = b[0], flags = b[1];
    size_t name_sz = (size_t)le(b + 2, 2), dt_sz = (size_t)le(b + 4, 2),
           ds_sz = (size_t)le(b + 6, 2), pos;
    int pad = ver == 1;
    if (ver < 1 || ver > 3) return damaged(g, "an attribute message has an unknown version", at);
    if (ver > 1 && (flags & 3))
        return unsupported(g, "an attribute of the root group has a shared (committed) type or "
                              "dataspace");
    pos = ver == 3 ? 9 : 8;
#define ADV(n) ((pad ? (((n) + 7) & ~(size_t)7) : (n)))
    if (pos > blen || name_sz == 0 || ADV(name_sz) > blen - pos)
        return damaged(g, "an attribute message is truncated", at);
    const uint8_t *name = b + pos;
    pos += ADV(name_sz);
    if (dt_sz < 8 || ADV(dt_sz) > blen - pos)
        return damaged(g, "an attribute message is truncated", at);
    const uint8_t *dt = b + pos;
    pos += ADV(dt_sz);
    if (ds_sz < 4 || ADV(ds_sz) > blen - pos)
        return damaged(g, "an attribute message is truncated", at);
    const uint8_t *ds = b + pos;
    pos += ADV(ds_sz);
#undef ADV
    if (memchr(name, '\0', name_sz) == NULL)
        return damaged(g, "an attribute name is not terminated", at);
    /* The value's size: elements x element size. libhdf5 1.10.8 copies that
     * many bytes out of the message without comparing it with the message's
     * size (found by fuzzing: a heap over-read in H5Aexists, which decodes
     * every attribute of the object), so it must fit in what is left. */
    unsigned dver = ds[0], rank = ds[1];
    size_t dpos = dver == 1 ? 8 : 4;
    uint64_t npoints = 1, elem = le(dt + 4, 4);
    if ((dver != 1 && dver != 2) || rank > 32 || dpos + (size_t)rank * g->ss > ds_sz)
        return damaged(g, "an attribute's dataspace is damaged", at);
    if (dver == 2 && ds[3] == 2) npoints = 0; /* null */
    for (unsigned i = 0; i < rank && npoints; i++) {
        uint64_t d = le(ds + dpos + (size_t)i * g->ss, g->ss);
        npoints = d && npoints > UINT64_MAX / d ? UINT64_MAX : npoints * d;
    }
    if (npoints && elem && (npoints > (blen - pos) / elem))
        return damaged(g, "an attribute's value runs past the end of its message", at);
    /* Variable-length (class 9) strings (type 1) only; other values live
     * in the message, checked above. Characters must be 1 byte: libhdf5
     * sizes its conversion buffer as length x character size, so a damaged
     * character size asks for gigabytes. */
    if ((dt[0] & 0x0f) != 9 || (dt[1] & 0x0f) != 1) return DL2O_OK;
    if (dt_sz < 16 || elem != 8 + (uint64_t)g->sa || (dt[8] & 0x0f) != 0 ||
        le(dt + 12, 4) != 1)
        return damaged(g, "a variable-length string has an impossible character type", at);
    /* Every element's descriptor: length (4), collection address (sa),
     * object index (4), naming an existing heap object of that length. */
    for (uint64_t e = 0; e < npoints; e++, pos += (size_t)elem) {
        if (++g->n_attrs > ATTRS_MAX)
            return unsupported(g, "the root group has too many strings");
        uint64_t len = le(b + pos, 4), addr = le(b + pos + 4, g->sa),
                 idx = le(b + pos + 4 + g->sa, 4);
        if (addr == 0 && len == 0) continue; /* a NULL string: libhdf5 reads no heap */
        gcol *gc = NULL;
        dl2o_status st = load_gcol(g, addr, &gc);
        if (st != DL2O_OK) return st;
        uint64_t k = 0;
        while (k < gc->n && gc->idx[k] != idx) k++;
        if (k == gc->n) return damaged(g, "a string points to a missing global heap object", at);
        if (gc->size[k] != len)
            return damaged(g, "a string's length does not match its heap object", at);
    }
    /* The loader reads one value only (npoints 1, checked again by HDF5). */
    if (npoints == 1 && add_name(g, (const char *)name) != 0)
        return DL2O_FAIL(DL2O_ENOMEM, "%s: out of memory", g->r->path);
    return DL2O_OK;
}

/* ------------------------------------------------------- the object walk */

/* An address libhdf5 would follow: defined (not all ones) and in the file. */
static int in_file(const guard *g, uint64_t a)
{
    uint64_t undef = g->sa == 8 ? UINT64_MAX : (1ull << (8 * g->sa)) - 1;
    return a != undef && a < g->file_size - g->base;
}

/* Marks addr visited; 1 when new, 0 when seen before, -1 when the table is
 * full. Objects, B-tree nodes and symbol nodes share the table, so a cycle
 * is walked once. */
static int visit(guard *g, uint64_t addr)
{
    if (!g->seen) {
        g->seen = malloc(SEEN_SLOTS * sizeof *g->seen);
        if (!g->seen) return -1;
        memset(g->seen, 0xff, SEEN_SLOTS * sizeof *g->seen); /* empty: all ones */
    }
    if (g->n_seen >= SEEN_SLOTS / 2) return -1;
    size_t h = (size_t)((addr * 0x9E3779B97F4A7C15ull) >> 40) & (SEEN_SLOTS - 1);
    while (g->seen[h] != UINT64_MAX) {
        if (g->seen[h] == addr) return 0;
        h = (h + 1) & (SEEN_SLOTS - 1);
    }
    g->seen[h] = addr;
    g->n_seen++;
    return 1;
}

/* What an object header holds that the walk follows next. */
typedef struct obj_links {
    int has_stab;          /* symbol table message (an old-style group) */
    uint64_t btree, heap;
    uint64_t *child;       /* hard-link targets (new-style compact links) */
    size_t n_child, cap_child;
} obj_links;

static dl2o_status add_child(guard *g, obj_links *o, uint64_t a, uint64_t at)
{
    if (!in_file(g, a)) return damaged(g, "a link points outside the file", at);
    if (o->n_child == o->cap_child) {
        size_t cap = o->cap_child ? 2 * o->cap_child : 16;
        uint64_t *c = cap > OBJECTS_MAX ? NULL : realloc(o->child, cap * sizeof *c);
        if (!c) return unsupported(g, "a group has too many links");
        o->child = c, o->cap_child = cap;
    }
    o->child[o->n_child++] = a;
    return DL2O_OK;
}

/* A link message (new-style groups): hard links are followed. */
static dl2o_status link_message(guard *g, obj_links *o, const uint8_t *b, size_t n, uint64_t at)
{
    if (n < 2 || b[0] != 1) return damaged(g, "a link message is damaged", at);
    unsigned fl = b[1], type = 0;
    size_t p = 2;
    if (fl & 0x08) {
        if (p >= n) return damaged(g, "a link message is truncated", at);
        type = b[p++];
    }
    if (fl & 0x04) p += 8; /* creation order */
    if (fl & 0x10) p += 1; /* name character set */
    unsigned w = 1u << (fl & 3);
    if (p + w > n) return damaged(g, "a link message is truncated", at);
    uint64_t name_len = le(b + p, w);
    p += w;
    if (name_len == 0 || name_len > n - p) return damaged(g, "a link name is truncated", at);
    p += (size_t)name_len;
    if (type == 1) return DL2O_OK; /* soft: resolved by path, through what is walked */
    if (type != 0) /* external (64) or user-defined: libhdf5 would open another file */
        return unsupported(g, "a group holds an external or user-defined link");
    if (n - p < g->sa) return damaged(g, "a hard link is truncated", at);
    return add_child(g, o, le(b + p, g->sa), at);
}

/* The messages of one header chunk; continuation chunks are queued. */
static dl2o_status chunk_messages(guard *g, const uint8_t *c, size_t len, uint64_t at, int v2,
                                  int crt_order, int is_root, obj_links *o,
                                  uint64_t (*next)[2], int *n_next)
{
    dl2o_status st = DL2O_OK;
    size_t mh = v2 ? (crt_order ? 6 : 4) : 8, p = 0;
    while (len - p >= mh) {
        unsigned type = v2 ? c[p] : (unsigned)le(c + p, 2);
        size_t size = (size_t)le(c + p + (v2 ? 1 : 2), 2);
        unsigned mflags = c[p + (v2 ? 3 : 4)];
        p += mh;
        if (size > len - p) return damaged(g, "an object header message is truncated", at + p);
        const uint8_t *b = c + p;
        if (type == 0x10) { /* continuation: address, length */
            if (size < (size_t)g->sa + g->ss)
                return damaged(g, "a header continuation is truncated", at + p);
            if (*n_next == CHUNKS_MAX) return damaged(g, "too many header chunks", at + p);
            next[*n_next][0] = le(b, g->sa);
            next[*n_next][1] = le(b + g->sa, g->ss);
            (*n_next)++;
        } else if (type == 0x11) { /* symbol table: B-tree, local heap */
            if (size < 2 * (size_t)g->sa) return damaged(g, "a symbol table is truncated", at + p);
            o->has_stab = 1;
            o->btree = le(b, g->sa);
            o->heap = le(b + g->sa, g->sa);
        } else if (type == 0x06) { /* link */
            if ((st = link_message(g, o, b, size, at + p)) != DL2O_OK) return st;
        } else if (type == 0x02 || type == 0x15) { /* link info, attribute info */
            size_t q = 2 + (type == 0x02 ? ((size > 1 && (b[1] & 1)) ? 8 : 0)
                                         : ((size > 1 && (b[1] & 1)) ? 2 : 0));
            if (size < q + g->sa) return damaged(g, "an info message is truncated", at + p);
            uint64_t heap = le(b + q, g->sa);
            uint64_t undef = g->sa == 8 ? UINT64_MAX : (1ull << (8 * g->sa)) - 1;
            if (heap != undef && !in_file(g, heap))
                return damaged(g, "an info message names a heap outside the file", at + p);
            if (heap != undef) /* dense storage: a fractal heap this walk does not read */
                return unsupported(g, type == 0x02
                                          ? "a group keeps its links in dense storage"
                                          : "an object keeps its attributes in dense storage "
                                            "(libver=\"latest\" with more than 8 attributes)");
        } else if (type == 0x0c && is_root) { /* an attribute of the root group */
            if (mflags & 2)
                return unsupported(g, "an attribute of the root group is a shared message");
            if ((st = attr_message(g, b, size, at + p)) != DL2O_OK) return st;
        }
        p += size;
    }
    return st;
}

/* Reads the local heap at addr (the link names of an old-style group; H5HL)
 * into *data (heap, caller frees) and checks it: libhdf5 copies into a
 * failed allocation when the data block's address is undefined or its size
 * absurd (found by fuzzing: SIGSEGV in H5Lexists). */
static dl2o_status load_heap(guard *g, uint64_t addr, uint8_t **data, uint64_t *size)
{
    uint8_t pre[40];
    unsigned w = 8 + 2 * g->ss + g->sa;
    *data = NULL;
    if (!in_file(g, addr) || read_at(g, addr, pre, w) != 0 || memcmp(pre, "HEAP", 4) != 0 ||
        pre[4] != 0)
        return damaged(g, "a group's local heap is missing", addr);
    uint64_t n = le(pre + 8, g->ss), daddr = le(pre + 8 + 2 * g->ss, g->sa);
    uint64_t limit = g->file_size - g->base;
    if (n == 0 || n > HEAP_BYTES_MAX || !in_file(g, daddr) || n > limit - daddr)
        return damaged(g, "a local heap's data block lies outside the file", addr);
    *data = malloc((size_t)n);
    if (!*data) return DL2O_FAIL(DL2O_ENOMEM, "%s: out of memory", g->r->path);
    if (read_at(g, daddr, *data, (size_t)n) != 0) {
        free(*data);
        *data = NULL;
        return damaged(g, "a local heap's data block lies outside the file", addr);
    }
    *size = n;
    return DL2O_OK;
}

/* A name in a local heap: inside it and NUL-terminated there. */
static int heap_name_ok(const uint8_t *heap, uint64_t size, uint64_t off)
{
    return off < size && memchr(heap + off, '\0', (size_t)(size - off)) != NULL;
}

static dl2o_status walk_object(guard *g, uint64_t addr, int depth, int is_root);

/* A symbol table node ("SNOD"): its entries name objects by heap offset. */
static dl2o_status walk_snod(guard *g, uint64_t addr, int depth, const uint8_t *heap,
                             uint64_t heap_size)
{
    uint8_t h[8];
    int v = visit(g, addr);
    if (v < 0) return unsupported(g, "the file has too many objects");
    if (v == 0) return DL2O_OK;
    if (!in_file(g, addr) || read_at(g, addr, h, 8) != 0 || memcmp(h, "SNOD", 4) != 0 ||
        h[4] != 1)
        return damaged(g, "a group's symbol node is missing", addr);
    unsigned n = (unsigned)le(h + 6, 2);
    size_t ew = 2 * (size_t)g->sa + 24;
    if (n > 4096) return damaged(g, "a symbol node has too many entries", addr);
    uint8_t *e = malloc(n ? n * ew : 1);
    if (!e) return DL2O_FAIL(DL2O_ENOMEM, "%s: out of memory", g->r->path);
    dl2o_status st = DL2O_OK;
    if (read_at(g, addr + 8, e, n * ew) != 0) st = damaged(g, "a symbol node is truncated", addr);
    for (unsigned k = 0; k < n && st == DL2O_OK; k++) {
        const uint8_t *x = e + k * ew;
        uint64_t name = le(x, g->sa), obj = le(x + g->sa, g->sa);
        unsigned cache = (unsigned)le(x + 2 * g->sa, 4);
        if (!heap_name_ok(heap, heap_size, name))
            st = damaged(g, "a link name lies outside its group's heap", addr);
        else if (!in_file(g, obj))
            st = damaged(g, "a link points outside the file", addr);
        else if (cache == 1 && (!in_file(g, le(x + 2 * g->sa + 8, g->sa)) ||
                                !in_file(g, le(x + 3 * g->sa + 8, g->sa))))
            st = damaged(g, "a cached symbol table points outside the file", addr);
        else
            st = walk_object(g, obj, depth + 1, 0);
    }
    free(e);
    return st;
}

/* A version 1 B-tree node of a group ("TREE", node type 0): keys are heap
 * offsets of names, children are nodes one level down or, at level 0,
 * symbol nodes. */
static dl2o_status walk_btree(guard *g, uint64_t addr, int depth, int level, const uint8_t *heap,
                              uint64_t heap_size)
{
    uint8_t h[8];
    int v = visit(g, addr);
    if (v < 0) return unsupported(g, "the file has too many objects");
    if (v == 0) return DL2O_OK;
    if (depth > DEPTH_MAX) return damaged(g, "groups are nested too deep", addr);
    if (!in_file(g, addr) || read_at(g, addr, h, 8) != 0 || memcmp(h, "TREE", 4) != 0 ||
        h[4] != 0)
        return damaged(g, "a group's B-tree node is missing", addr);
    unsigned lvl = h[5], n = (unsigned)le(h + 6, 2);
    if ((level >= 0 && (int)lvl != level) || lvl > 64 || n > 4096)
        return damaged(g, "a group's B-tree node is damaged", addr);
    size_t kw = g->ss, cw = g->sa, len = 2 * (size_t)g->sa + (n + 1) * kw + n * cw;
    uint8_t *b = malloc(len);
    if (!b) return DL2O_FAIL(DL2O_ENOMEM, "%s: out of memory", g->r->path);
    dl2o_status st = DL2O_OK;
    if (read_at(g, addr + 8, b, len) != 0) st = damaged(g, "a B-tree node is truncated", addr);
    const uint8_t *p = b + 2 * g->sa; /* after the sibling addresses */
    for (unsigned k = 0; k <= n && st == DL2O_OK; k++, p += kw + cw) {
        if (!heap_name_ok(heap, heap_size, le(p, g->ss))) {
            st = damaged(g, "a B-tree key lies outside its group's heap", addr);
            break;
        }
        if (k == n) break;
        uint64_t child = le(p + kw, g->sa);
        if (!in_file(g, child)) st = damaged(g, "a B-tree child lies outside the file", addr);
        else if (lvl > 0) st = walk_btree(g, child, depth + 1, (int)lvl - 1, heap, heap_size);
        else st = walk_snod(g, child, depth, heap, heap_size);
    }
    free(b);
    return st;
}

/* An object header (version 1, or 2 with "OHDR"), all its chunks; then the
 * group it describes, if any. */
static dl2o_status walk_object(guard *g, uint64_t addr, int depth, int is_root)
{
    dl2o_status st = DL2O_OK;
    uint64_t next[CHUNKS_MAX][2];
    int n_next = 0, v2 = 0, crt_order = 0;
    uint8_t pre[48]; /* v2 prefix: 6 + 16 (times) + 4 (phase change) + 8 (chunk size) */
    obj_links o;
    memset(&o, 0, sizeof o);
    int v = visit(g, addr);
    if (v < 0) return unsupported(g, "the file has too many objects");
    if (v == 0) return DL2O_OK;
    if (depth > DEPTH_MAX) return damaged(g, "groups are nested too deep", addr);
    if (!in_file(g, addr) || read_at(g, addr, pre, 16) != 0)
        return damaged(g, "an object header lies outside the file", addr);
    uint64_t start, len;
    if (memcmp(pre, "OHDR", 4) == 0) {
        if (pre[4] != 2) return damaged(g, "an object header has an unknown version", addr);
        unsigned fl = pre[5];
        v2 = 1;
        crt_order = (fl & 0x04) != 0;
        uint64_t p = 6 + ((fl & 0x20) ? 16 : 0) + ((fl & 0x10) ? 4 : 0);
        unsigned w = 1u << (fl & 3);
        if (read_at(g, addr, pre, (size_t)(p + w)) != 0)
            return damaged(g, "an object header is truncated", addr);
        start = addr + p + w;
        len = le(pre + p, w);
    } else if (pre[0] == 1) {
        start = addr + 16;
        len = le(pre + 8, 4);
    } else {
        return damaged(g, "an object header has an unknown version", addr);
    }
    next[n_next][0] = start, next[n_next][1] = len, n_next++;
    for (int k = 0; k < n_next && st == DL2O_OK; k++) {
        uint64_t at = next[k][0], clen = next[k][1];
        g->header_bytes += clen;
        if (clen > CHUNK_BYTES_MAX || g->header_bytes > HEADER_BYTES_MAX) {
            st = damaged(g, "an object header chunk has an impossible size", at);
            break;
        }
        uint8_t *c = malloc(clen ? (size_t)clen : 1);
        if (!c) {
            st = DL2O_FAIL(DL2O_ENOMEM, "%s: out of memory", g->r->path);
            break;
        }
        if (!in_file(g, at) || read_at(g, at, c, (size_t)clen) != 0) {
            free(c);
            st = damaged(g, "an object header chunk runs past the end of the file", at);
            break;
        }
        const uint8_t *m = c;
        size_t mlen = (size_t)clen;
        if (v2 && k > 0) { /* "OCHK" messages checksum */
            if (mlen < 8 || memcmp(c, "OCHK", 4) != 0) {
                free(c);
                st = damaged(g, "an object header continuation chunk has no signature", at);
                break;
            }
            m += 4, mlen -= 8;
        }
        st = chunk_messages(g, m, mlen, at + (uint64_t)(m - c), v2, crt_order, is_root, &o,
                            next, &n_next);
        free(c);
    }
    if (st == DL2O_OK && o.has_stab) {
        uint8_t *heap = NULL;
        uint64_t heap_size = 0;
        st = load_heap(g, o.heap, &heap, &heap_size);
        if (st == DL2O_OK) {
            if (!in_file(g, o.btree))
                st = damaged(g, "a group's B-tree lies outside the file", addr);
            else
                st = walk_btree(g, o.btree, depth, -1, heap, heap_size);
        }
        free(heap);
    }
    for (size_t k = 0; k < o.n_child && st == DL2O_OK; k++)
        st = walk_object(g, o.child[k], depth + 1, 0);
    free(o.child);
    return st;
}

/* Finds the superblock (at 0, 512, 1024, ... as libhdf5 looks for it) and
 * walks from it: the root group and everything below, and the superblock
 * extension. */
static dl2o_status walk_file(guard *g)
{
    static const uint8_t sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    uint8_t sb[128];
    uint64_t at = 0;
    /* Problems with the superblock itself are left to H5Fopen, which reads
     * nothing else before refusing them, with its own message (a truncated
     * file: "truncated file", "bad superblock version number", ...). */
    for (;; at = at ? 2 * at : 512) {
        if (at >= g->file_size || g->file_size - at < 16)
            return g->defer = "no HDF5 signature", DL2O_OK;
        g->base = 0;
        if (pread(g->fd, sb, 8, (off_t)at) == 8 && memcmp(sb, sig, 8) == 0) break;
    }
    g->base = at;
    size_t n = (size_t)(g->file_size - at < sizeof sb ? g->file_size - at : sizeof sb);
    if (read_at(g, 0, sb, n) != 0) return g->defer = "the superblock is truncated", DL2O_OK;
    unsigned ver = sb[8];
    size_t root_at, eof_at, ext_at = 0, need;
    if (ver <= 1) {
        g->sa = sb[13], g->ss = sb[14];
        eof_at = (ver == 0 ? 24 : 28) + 2 * (size_t)g->sa;
        root_at = (ver == 0 ? 24 : 28) + 5 * (size_t)g->sa; /* in the root symbol entry */
    } else if (ver <= 3) {
        g->sa = sb[9], g->ss = sb[10];
        ext_at = 12 + (size_t)g->sa;
        eof_at = 12 + 2 * (size_t)g->sa;
        root_at = 12 + 3 * (size_t)g->sa;
    } else {
        return g->defer = "the superblock has a version newer than 3", DL2O_OK;
    }
    if ((g->sa != 2 && g->sa != 4 && g->sa != 8) || (g->ss != 2 && g->ss != 4 && g->ss != 8))
        return g->defer = "the file uses addresses or lengths other than 2, 4 or 8 bytes",
               DL2O_OK;
    need = root_at + (ver <= 1 ? 3 * (size_t)g->sa + 16 : (size_t)g->sa);
    if (need > n) return g->defer = "the superblock is truncated", DL2O_OK;
    if (le(sb + eof_at, g->sa) > g->file_size - g->base)
        return g->defer = "the file is shorter than its superblock says", DL2O_OK;
    uint64_t root = le(sb + root_at, g->sa);
    if (ver <= 1 && le(sb + root_at + g->sa, 4) == 1 &&
        (!in_file(g, le(sb + root_at + g->sa + 8, g->sa)) ||
         !in_file(g, le(sb + root_at + 2 * g->sa + 8, g->sa))))
        return damaged(g, "the root group's cached symbol table points outside the file", at);
    if (ext_at) {
        uint64_t ext = le(sb + ext_at, g->sa);
        uint64_t undef = g->sa == 8 ? UINT64_MAX : (1ull << (8 * g->sa)) - 1;
        if (ext != undef) {
            dl2o_status st = walk_object(g, ext, 0, 0);
            if (st != DL2O_OK) return st;
        }
    }
    return walk_object(g, root, 0, 1);
}

dl2o_status dl2o_h5_guard(dl2o_h5_reader *r, const char **defer)
{
    dl2o_status st = DL2O_OK;
    guard g;
    struct stat sb;
    memset(&g, 0, sizeof g);
    g.r = r;
    *defer = NULL;
    free(r->checked_strings);
    r->checked_strings = NULL;
    g.fd = open(r->path, O_RDONLY);
    if (g.fd < 0 || fstat(g.fd, &sb) != 0) {
        char sys[128];
        st = DL2O_FAIL(DL2O_EIO, "%s: cannot open: %s; check the path and its permissions",
                       r->path, dl2o_h5_sys_reason(errno, sys));
        goto out;
    }
    g.file_size = (uint64_t)sb.st_size;
    st = walk_file(&g);
    *defer = g.defer;
    if (st == DL2O_OK) {
        r->checked_strings = g.names;
        g.names = NULL;
    }
out:
    if (g.fd >= 0) close(g.fd);
    for (int i = 0; i < g.n_coll; i++) {
        free(g.coll[i].idx);
        free(g.coll[i].size);
    }
    free(g.names);
    free(g.seen);
    return st;
}

int dl2o_h5_string_checked(const dl2o_h5_reader *r, const char *name)
{
    for (const char *p = r->checked_strings; p && *p; p += strlen(p) + 1)
        if (strcmp(p, name) == 0) return 1;
    return 0;
}
