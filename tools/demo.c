/* stub */
typedef int ad__stub_demo;
