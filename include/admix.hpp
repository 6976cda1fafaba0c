/* admix.hpp -- optional C++ header: real operators and math overloads on the
 * forward-mode types of admix, so that C++ code reads like ordinary
 * arithmetic:
 *
 *     #include <admix.hpp>
 *     ad_dual x = admix::make_dual(2.0, 1.0);
 *     ad_dual y = sin(x * x) + 3.0 * exp(-x);      // y.d is dy/dx
 *
 * The types are the C structs of <admix/forward.h> (ad_dual, ad_dualv,
 * ad_hdual), unchanged: a value computed here is bitwise the value the C
 * functions give, because every operator and overload below is a one-line
 * call of the C function ad_<type>_<name> (or its _xc/_cx variant when one
 * argument is a double).
 *
 *   + - * /            between two values of one type, and with a double on
 *                      either side; unary - and +; += -= *= /=
 *   < <= > >= == !=    compare values (the tangents are ignored)
 *   sin(x), pow(x, y), hypot(x, 2.0), powi(x, 3), sqr(x), inv(x), ...
 *                      one overload per primitive of primitives/ops.def, for
 *                      every type, generated from the table
 *   admix::value(x)    the double value of any type (double too)
 *   admix::make_dual(v, d), admix::make_dualv(v, lane),
 *   admix::make_hdual(v, d1, d2, d12), admix::constant<T>(c),
 *   admix::select(c, a, b)
 *                      constructors and the branch-free choice, as in C
 *
 * Write generic code as a template and call the math functions unqualified
 * (or with admix::); `std::sin(x)` cannot work for these types, since
 * nothing may be added to namespace std.  In a template instantiated with
 * double, bring admix in with `using namespace admix;` so that the names C
 * lacks (sqr, inv, neg, powi, add, ...) are found for double as well.
 *
 * Requires C++11.  Header-only; the same thread-safety and no-allocation
 * guarantees as the C forward mode.
 */
#ifndef ADMIX_HPP
#define ADMIX_HPP

#ifndef __cplusplus
#error "admix.hpp is the C++ interface; C code includes <admix.h>"
#endif

#include <type_traits>

#include "admix.h"

/* The primitive table.  Installed, it is <admix/ops.def> beside the other
 * headers; in the source tree it is primitives/ops.def, found as "ops.def"
 * through the build's -I flags.  The C headers do not meet this because
 * they live in admix/ themselves; this one sits a level above. */
#if defined(__has_include)
#if __has_include("admix/ops.def")
#define AD__HPP_OPS_DEF "admix/ops.def"
#endif
#endif
#ifndef AD__HPP_OPS_DEF
#define AD__HPP_OPS_DEF "ops.def"
#endif

/* Where the overloads live, and why.
 *
 * The number types are C structs, declared in the global namespace, so the
 * global namespace is the only one that argument-dependent lookup (ADL)
 * searches for them.  The overloads are therefore defined at global scope:
 * `sin(x)` then finds them from any namespace, in particular inside a
 * user's template in a namespace of its own that declares another `sin`,
 * and operators live beside their operand types as C++ expects.  Namespace
 * admix then re-exports every name with using-declarations, so that
 * `admix::sin(x)` works as well and names the very same functions (a second
 * set of definitions in admix would make an unqualified call ambiguous under
 * `using namespace admix;`).  The alternative, defining them in admix and
 * re-exporting them globally with using-declarations (which ADL does see),
 * would behave the same; this way the global overloads of <math.h> and ours
 * form one overload set in admix too, so admix::sin(2.0) is C's sin. */

/* Every function here is static inline, like the C functions it calls: an
 * inline function with external linkage that calls a static one would be
 * defined differently in each translation unit (an ODR violation). */

/* The forward types, as the tag t of ad_t and ad_t_<name>.  Adding a number
 * type is one entry here. */
#define AD__HPP_TYPES(X, n) X(dual, n) X(dualv, n) X(hdual, n)

/* ---- math overloads, one per primitive of ops.def and per type ---- */

#define AD__HPP_UNARY(t, n)                                                    \
    static AD_INLINE ad_##t n(ad_##t x)                                        \
    {                                                                          \
        return ad_##t##_##n(x);                                                \
    }
#define AD__HPP_PARAM(t, n)                                                    \
    static AD_INLINE ad_##t n(ad_##t x, int k)                                 \
    {                                                                          \
        return ad_##t##_##n(x, k);                                             \
    }
#define AD__HPP_BINARY(t, n)                                                   \
    static AD_INLINE ad_##t n(ad_##t x, ad_##t u)                              \
    {                                                                          \
        return ad_##t##_##n(x, u);                                             \
    }                                                                          \
    static AD_INLINE ad_##t n(ad_##t x, double u)                              \
    {                                                                          \
        return ad_##t##_##n##_xc(x, u);                                        \
    }                                                                          \
    static AD_INLINE ad_##t n(double x, ad_##t u)                              \
    {                                                                          \
        return ad_##t##_##n##_cx(x, u);                                        \
    }

#define AD_OP1(N, n, ...)  AD__HPP_TYPES(AD__HPP_UNARY, n)
#define AD_OP1P(N, n, ...) AD__HPP_TYPES(AD__HPP_PARAM, n)
#define AD_OP2(N, n, ...)  AD__HPP_TYPES(AD__HPP_BINARY, n)
#include AD__HPP_OPS_DEF
#undef AD_OP1
#undef AD_OP1P
#undef AD_OP2

/* ---- operators: + - * / are the primitives add, sub, mul, div; unary - is
 *      neg; comparisons look at values only ---- */

#define AD__HPP_ARITH(t, op, n)                                                \
    static AD_INLINE ad_##t operator op(ad_##t x, ad_##t u)                    \
    {                                                                          \
        return ad_##t##_##n(x, u);                                             \
    }                                                                          \
    static AD_INLINE ad_##t operator op(ad_##t x, double u)                    \
    {                                                                          \
        return ad_##t##_##n##_xc(x, u);                                        \
    }                                                                          \
    static AD_INLINE ad_##t operator op(double x, ad_##t u)                    \
    {                                                                          \
        return ad_##t##_##n##_cx(x, u);                                        \
    }                                                                          \
    static AD_INLINE ad_##t &operator op##=(ad_##t &x, ad_##t u)               \
    {                                                                          \
        return x = ad_##t##_##n(x, u);                                         \
    }                                                                          \
    static AD_INLINE ad_##t &operator op##=(ad_##t &x, double u)               \
    {                                                                          \
        return x = ad_##t##_##n##_xc(x, u);                                    \
    }
#define AD__HPP_CMP(t, op)                                                     \
    static AD_INLINE bool operator op(ad_##t x, ad_##t u)                      \
    {                                                                          \
        return ad_##t##_value(x) op ad_##t##_value(u);                         \
    }                                                                          \
    static AD_INLINE bool operator op(ad_##t x, double u)                      \
    {                                                                          \
        return ad_##t##_value(x) op u;                                         \
    }                                                                          \
    static AD_INLINE bool operator op(double x, ad_##t u)                      \
    {                                                                          \
        return x op ad_##t##_value(u);                                         \
    }
#define AD__HPP_OPERATORS(t, unused)                                           \
    AD__HPP_ARITH(t, +, add)                                                   \
    AD__HPP_ARITH(t, -, sub)                                                   \
    AD__HPP_ARITH(t, *, mul)                                                   \
    AD__HPP_ARITH(t, /, div)                                                   \
    static AD_INLINE ad_##t operator-(ad_##t x)                                \
    {                                                                          \
        return ad_##t##_neg(x);                                                \
    }                                                                          \
    static AD_INLINE ad_##t operator+(ad_##t x)                                \
    {                                                                          \
        return x;                                                              \
    }                                                                          \
    AD__HPP_CMP(t, <)                                                          \
    AD__HPP_CMP(t, <=)                                                         \
    AD__HPP_CMP(t, >)                                                          \
    AD__HPP_CMP(t, >=)                                                         \
    AD__HPP_CMP(t, ==)                                                         \
    AD__HPP_CMP(t, !=)

AD__HPP_TYPES(AD__HPP_OPERATORS, ~)

namespace admix
{

/* Every primitive's name, re-exported (see above), and its double version
 * for generic code.  The double overload is a template restricted to double
 * so that it never competes with a function of <math.h>: where C has one
 * (sin, pow, ...), the non-template C function is the better match and is
 * called; where it has none (sqr, inv, powi, ...) this one calls
 * ad_double_<name>, which is what the C generic macros call too. */
namespace detail
{
template <class D>
using if_double =
    typename std::enable_if<std::is_same<D, double>::value, double>::type;
template <class D, class E>
using if_doubles = typename std::enable_if<std::is_same<D, double>::value &&
                                               std::is_same<E, double>::value,
                                           double>::type;
} /* namespace detail */
using detail::if_double;
using detail::if_doubles;

#define AD_OP1(N, n, ...)                                                      \
    using ::n;                                                                 \
    template <class D> static AD_INLINE if_double<D> n(D a)                    \
    {                                                                          \
        return ad_double_##n(a);                                               \
    }
#define AD_OP1P(N, n, ...)                                                     \
    using ::n;                                                                 \
    template <class D> static AD_INLINE if_double<D> n(D a, int k)             \
    {                                                                          \
        return ad_double_##n(a, k);                                            \
    }
#define AD_OP2(N, n, ...)                                                      \
    using ::n;                                                                 \
    template <class D, class E> static AD_INLINE if_doubles<D, E> n(D a, E b)  \
    {                                                                          \
        return ad_double_##n(a, b);                                            \
    }
#include AD__HPP_OPS_DEF
#undef AD_OP1
#undef AD_OP1P
#undef AD_OP2

/* The value, for every type (so that generic code can print or branch). */
static AD_INLINE double value(double x)
{
    return x;
}
#define AD__HPP_VALUE(t, unused)                                               \
    static AD_INLINE double value(ad_##t x)                                    \
    {                                                                          \
        return ad_##t##_value(x);                                              \
    }
AD__HPP_TYPES(AD__HPP_VALUE, ~)

/* ad_select: a if the value of c is > 0, else b (a NaN c selects b); the
 * branch not taken contributes nothing to the derivative. */
template <class C> static AD_INLINE double select(C c, double a, double b)
{
    return ad_double_select(value(c), a, b);
}
#define AD__HPP_SELECT(t, unused)                                              \
    template <class C> static AD_INLINE ad_##t select(C c, ad_##t a, ad_##t b) \
    {                                                                          \
        return ad_##t##_select(value(c), a, b);                                \
    }                                                                          \
    template <class C> static AD_INLINE ad_##t select(C c, ad_##t a, double b) \
    {                                                                          \
        return ad_##t##_select_xc(value(c), a, b);                             \
    }                                                                          \
    template <class C> static AD_INLINE ad_##t select(C c, double a, ad_##t b) \
    {                                                                          \
        return ad_##t##_select_cx(value(c), a, b);                             \
    }
AD__HPP_TYPES(AD__HPP_SELECT, ~)

/* constant<T>(c): c as a T with zero tangents (ad_const(T, c) in C). */
template <class T> struct constant_of;
template <> struct constant_of<double> {
    static double make(double c) { return c; }
};
#define AD__HPP_CONST(t, unused)                                               \
    template <> struct constant_of<ad_##t> {                                   \
        static ad_##t make(double c) { return ad_##t##_const(c); }             \
    };
AD__HPP_TYPES(AD__HPP_CONST, ~)
template <class T> static AD_INLINE T constant(double c)
{
    return constant_of<T>::make(c);
}

/* Seeded values: an independent variable v with tangent d (ad_dual), with
 * tangent 1 in lane `lane` (ad_dualv), or with tangents d1, d2 and d12
 * (ad_hdual). */
static AD_INLINE ad_dual make_dual(double v, double d = 0.0)
{
    return ad_dual_make(v, d);
}
static AD_INLINE ad_dualv make_dualv(double v, int lane = -1)
{
    return ad_dualv_make(v, lane);
}
static AD_INLINE ad_hdual make_hdual(double v, double d1 = 0.0, double d2 = 0.0,
                                     double d12 = 0.0)
{
    return ad_hdual_make(v, d1, d2, d12);
}

} /* namespace admix */

#undef AD__HPP_UNARY
#undef AD__HPP_PARAM
#undef AD__HPP_BINARY
#undef AD__HPP_ARITH
#undef AD__HPP_CMP
#undef AD__HPP_OPERATORS
#undef AD__HPP_VALUE
#undef AD__HPP_SELECT
#undef AD__HPP_CONST
#undef AD__HPP_TYPES
#undef AD__HPP_OPS_DEF

#endif /* ADMIX_HPP */
