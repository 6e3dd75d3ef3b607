/* HDF5 filter 32015: one plain zstd frame per chunk, cd_values[0] = level.
 *
 * The registered id and the chunk encoding are those of the Zstandard filter
 * that h5py users get from hdf5plugin, so files written with it read there and
 * the other way round. The same code is built twice: into dckpt (registered
 * in-process with dckpt_h5zstd_register) and as an HDF5 plugin module that
 * h5dump, h5py and any HDF5 program load through HDF5_PLUGIN_PATH. */
#ifndef DCKPT_CONTAINER_H5ZSTD_H
#define DCKPT_CONTAINER_H5ZSTD_H

#include <hdf5.h>

#define DCKPT_H5Z_ZSTD_ID            32015
#define DCKPT_H5Z_ZSTD_NAME          "zstd (dckpt)"
#define DCKPT_H5Z_ZSTD_LEVEL_DEFAULT 3

/* The filter's class, for H5Zregister or a plugin's H5PLget_plugin_info. */
extern const H5Z_class2_t dckpt_h5zstd_class;

/* Registers the filter with the calling process's HDF5, replacing whatever
 * was registered for id 32015 before (another zstd plugin that HDF5 loaded
 * through HDF5_PLUGIN_PATH, say), so that dckpt always encodes and checks
 * chunks as described in docs/container.md. Calling it again is harmless.
 * Returns 0 or a negative HDF5 status. */
herr_t dckpt_h5zstd_register(void);

#endif
