/* The zstd filter as an HDF5 plugin module: HDF5 finds it in the directories
 * of HDF5_PLUGIN_PATH when it meets filter 32015 in a file and asks these two
 * entry points what it is. */
#include <H5PLextern.h>

#include "container/h5zstd.h"

H5PL_type_t H5PLget_plugin_type(void) {
  return H5PL_TYPE_FILTER;
}

const void *H5PLget_plugin_info(void) {
  return &dckpt_h5zstd_class;
}
