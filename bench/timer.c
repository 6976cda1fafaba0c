/* stub */
typedef int ad__bench_stub;
