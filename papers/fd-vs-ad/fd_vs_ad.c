/* fd_vs_ad.c -- papers/fd-vs-ad: the error of finite differences, the
 * complex step and AD against the MPFR reference, versus the step size, on
 * the example of Squire & Trapp (1998) and Martins, Sturdza & Alonso
 * (2003): f(x) = e^x / sqrt(sin^3 x + cos^3 x) at x = 1.5 (fike.inc).
 *
 * The reference is the MPFR replay of f's tape at 256 bits
 * (ad_mpfr_jacobian), rounded once to double.  The curves, for h = 10^-k:
 *   forward  (f(x + h) - f(x)) / h          k = 1 .. 20
 *   central  (f(x + h) - f(x - h)) / 2h     k = 1 .. 20
 *   cstep    Im f(x + ih) / h               k = 1 .. 20, then every 5 to 300
 * (h = 1 leaves f's domain: sin^3 + cos^3 < 0 at x = 2.5.)
 * with the nominal h in the denominator, as the papers compute them, and
 * beside them the library's own sweep (ad_fd_sweep: forward, central and
 * 5-point, k = 1 .. 16, with the step divided by as taken, (x + h) - x).
 * The error is relative, |d - ref| / |ref| (Martins et al.'s normalized
 * error).  AD (dual numbers, hyper-dual, the tape's reverse sweep) and the
 * library's complex-step Jacobian (ad_cstep_jacobian) have no step: one
 * error each.
 *
 * Checks (the exit status is 1 if one fails): the reference agrees with
 * the published derivative 4.053427893898621 to 1e-15; every AD mode is
 * within 4 ulps of the reference; the complex step is within 4 ulps for
 * every h from 1e-8 to 1e-300; the best central difference is no better
 * than 1e-12.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "bench.h"
#include "common.h"

#define AD_TEMPLATE "fike.inc"
#include <admix/instantiate.h>
AD_FN(paper_fike, 1, 1)

/* f'(1.5) as published with the hyper-dual example (HyperDualNumbers.jl's
 * test and gonum's dual example print 4.053427893898621 and 4.0534). */
#define PUBLISHED_DERIV 4.053427893898621

/* Errors of exactly 0 are drawn at this height on the log plot. */
#define PLOT_FLOOR 1e-18

static double rel(double d, double ref)
{
    return fabs(d - ref) / fabs(ref);
}

static double fd(double x, double h)
{
    double y0, y1;
    paper_fike_double(&x, &y0, NULL);
    double xh = x + h;
    paper_fike_double(&xh, &y1, NULL);
    return (y1 - y0) / h;
}

static double cd(double x, double h)
{
    double ym, yp, xm = x - h, xp = x + h;
    paper_fike_double(&xm, &ym, NULL);
    paper_fike_double(&xp, &yp, NULL);
    return (yp - ym) / (2.0 * h);
}

static double cs(double x, double h)
{
    double complex xc = x + h * I, yc;
    paper_fike_complex(&xc, &yc, NULL);
    return cimag(yc) / h;
}

static double floor_(double e)
{
    return e > PLOT_FLOOR ? e : PLOT_FLOOR;
}

int main(int argc, char **argv)
{
    paper_opts o;
    int rc = paper_parse(argc, argv,
                         "Error versus step of finite differences and the "
                         "complex step, against MPFR, on Squire & Trapp's "
                         "example.",
                         &o);
    if (rc >= 0)
        return rc;
    FILE *txt = paper_open(&o, "fd-vs-ad.txt");
    FILE *csv = paper_open(&o, "fd-vs-ad.csv");
    FILE *dat = paper_open(&o, "fd-vs-ad.dat");
    FILE *cdat = paper_open(&o, "fd-vs-ad-cstep.dat");
    if (!txt || !csv || !dat || !cdat)
        return 1;

    const double x = 1.5;
    ad_fn f = paper_fike_fn(NULL);
    double y, ref;
    int st = ad_mpfr_jacobian(&f, &x, 0, &y, &ref);
    if (st != AD_OK) {
        fprintf(stderr, "fd-vs-ad: MPFR reference: %s\n", ad_strerror(st));
        return 1;
    }
    int ok = rel(ref, PUBLISHED_DERIV) <= 1e-15;
    const double ulp = DBL_EPSILON * fabs(ref);

    fprintf(txt, "f(x) = e^x / sqrt(sin^3 x + cos^3 x) at x = 1.5\n");
    fprintf(txt, "f(1.5)  = %.17g\n", y);
    fprintf(txt, "f'(1.5) = %.17g  (MPFR, 256 bits, rounded once)\n", ref);
    fprintf(txt, "published 4.053427893898621: relative difference %.1e\n\n",
            rel(ref, PUBLISHED_DERIV));

    /* AD and the library's complex step: one value each. */
    ad_dual xd = ad_dual_make(x, 1.0), yd;
    paper_fike_dual(&xd, &yd, NULL);
    ad_hdual xh = ad_hdual_make(x, 1.0, 1.0, 0.0), yh;
    paper_fike_hdual(&xh, &yh, NULL);
    double grev = NAN, gcs = NAN;
    ad_gradient(&f, AD_REVERSE, &x, NULL, &grev);
    ad_cstep_jacobian(&f, &x, NULL, &gcs);
    struct {
        const char *name;
        double d;
    } ad[] = {{"AD forward (ad_dual)", yd.d},
              {"AD hyper-dual (d1)", yh.d1},
              {"AD reverse (tape)", grev},
              {"ad_cstep_jacobian", gcs}};
    fprintf(txt, "%-24s %-22s %10s %6s\n", "method (no step)", "f'(1.5)",
            "rel. error", "ulps");
    for (size_t i = 0; i < sizeof ad / sizeof ad[0]; i++) {
        double e = fabs(ad[i].d - ref);
        fprintf(txt, "%-24s %-22.17g %10.1e %6.1f\n", ad[i].name, ad[i].d,
                e / fabs(ref), e / ulp);
        ok &= e <= 4 * ulp;
    }

    /* The sweeps. */
    ad_fd_sweep_result sw;
    st = ad_fd_sweep(&f, &x, 0, &sw);
    if (st != AD_OK) {
        fprintf(stderr, "fd-vs-ad: ad_fd_sweep: %s\n", ad_strerror(st));
        return 1;
    }
    fprintf(txt, "\nRelative error versus h = 10^-k (papers' formulas, "
                 "nominal h; lib: ad_fd_sweep, step as taken)\n");
    fprintf(txt, "%5s %10s %10s %10s %10s %10s %10s\n", "h", "forward",
            "central", "cstep", "lib fwd", "lib cen", "lib 5pt");
    fprintf(csv, "k,h,err_forward,err_central,err_cstep,lib_forward,"
                 "lib_central,lib_5point\n");
    fprintf(dat,
            "# h forward central cstep lib_forward lib_central "
            "lib_5point (0 drawn at %g; NaN: not computed)\n",
            PLOT_FLOOR);
    fprintf(cdat, "# h cstep (0 drawn at %g)\n", PLOT_FLOOR);
    double best_c = INFINITY, best_f = INFINITY, hb_c = 0, hb_f = 0;
    double worst_cs_small = 0.0;
    for (int k = 1; k <= 300; k += k < 20 ? 1 : 5) {
        double h = pow(10.0, -k);
        double ecs = rel(cs(x, h), ref);
        if (k >= 8)
            worst_cs_small = fmax(worst_cs_small, ecs);
        fprintf(cdat, "%.3e %.6e\n", h, floor_(ecs));
        if (k > 20) {
            fprintf(csv, "%d,%.3e,,,%.6e,,,\n", k, h, ecs);
            continue;
        }
        double ef = rel(fd(x, h), ref), ec = rel(cd(x, h), ref);
        if (ef < best_f)
            best_f = ef, hb_f = h;
        if (ec < best_c)
            best_c = ec, hb_c = h;
        double lf = NAN, lc = NAN, l5 = NAN;
        if (k >= 1 && k <= AD_FD_SWEEP_N) {
            lf = sw.err_forward[k - 1];
            lc = sw.err_central[k - 1];
            l5 = sw.err_5point[k - 1];
        }
        fprintf(txt, "1e-%02d %10.1e %10.1e %10.1e", k, ef, ec, ecs);
        if (isnan(lf))
            fprintf(txt, " %10s %10s %10s\n", "-", "-", "-");
        else
            fprintf(txt, " %10.1e %10.1e %10.1e\n", lf, lc, l5);
        fprintf(csv, "%d,%.3e,%.6e,%.6e,%.6e", k, h, ef, ec, ecs);
        if (isnan(lf))
            fprintf(csv, ",,,\n");
        else
            fprintf(csv, ",%.6e,%.6e,%.6e\n", lf, lc, l5);
        fprintf(dat, "%.3e %.6e %.6e %.6e %.6e %.6e %.6e\n", h, floor_(ef),
                floor_(ec), floor_(ecs), isnan(lf) ? NAN : floor_(lf),
                isnan(lc) ? NAN : floor_(lc), isnan(l5) ? NAN : floor_(l5));
    }
    fprintf(txt,
            "\nBest forward difference: %.1e at h = %.0e; best central: "
            "%.1e at h = %.0e\n",
            best_f, hb_f, best_c, hb_c);
    fprintf(txt,
            "ad_fd_sweep's best: forward %.1e (h %.0e), central %.1e "
            "(h %.0e), 5-point %.1e (h %.0e)\n",
            sw.best_forward, sw.best_h_forward, sw.best_central,
            sw.best_h_central, sw.best_5point, sw.best_h_5point);
    fprintf(txt,
            "Complex step, worst relative error for h = 1e-8 .. "
            "1e-300: %.1e (%.1f ulps)\n\n",
            worst_cs_small, worst_cs_small * fabs(ref) / ulp);
    ok &= worst_cs_small * fabs(ref) <= 4 * ulp;
    ok &= best_c >= 1e-12;
    paper_header(txt, "", "fd-vs-ad", &o);
    paper_header(csv, "# ", "fd-vs-ad", &o);
    fclose(txt);
    fclose(csv);
    fclose(dat);
    fclose(cdat);

    FILE *gp = paper_open(&o, "fd-vs-ad.gp");
    if (!gp)
        return 1;
    /* Two panels: the V-curves over the steps the papers plot (0.1 to
     * 1e-20), and the complex step alone down to 1e-300. */
    fprintf(gp,
            "# gnuplot script written by papers/fd-vs-ad; run: gnuplot "
            "fd-vs-ad.gp\n"
            "set terminal pngcairo size 1300,560 noenhanced\n"
            "set output 'fd-vs-ad.png'\n"
            "set multiplot layout 1,2 title 'f(x) = exp(x)/sqrt(sin^3 x + "
            "cos^3 x) at x = 1.5: relative error of df/dx against MPFR "
            "(errors of 0 drawn at 1e-18)'\n"
            "set logscale xy\n"
            "set yrange [1e-18:10]\n"
            "set format x '%%.0e'\n"
            "set format y '%%.0e'\n"
            "set xlabel 'step h'\n"
            "set ylabel 'relative error'\n"
            "set key below\n"
            "set grid\n"
            "set arrow 1 from graph 0, first %.3e to graph 1, first %.3e "
            "nohead dashtype 2\n"
            "set xrange [1e-20:0.1] reverse\n"
            "set title 'finite differences and the complex step'\n"
            "plot 'fd-vs-ad.dat' using 1:2 with linespoints title "
            "'forward difference', \\\n"
            "     '' using 1:3 with linespoints title 'central difference', "
            "\\\n"
            "     '' using 1:4 with linespoints title 'complex step', \\\n"
            "     '' using 1:7 with lines dashtype 3 title '5-point "
            "(ad_fd_sweep)', \\\n"
            "     1/0 with lines dashtype 2 lc black title 'one ulp of "
            "the derivative'\n"
            "set xrange [1e-300:0.1] reverse\n"
            "set title 'the complex step down to h = 1e-300'\n"
            "plot 'fd-vs-ad-cstep.dat' using 1:2 with linespoints lc 3 "
            "title 'complex step', \\\n"
            "     1/0 with lines dashtype 2 lc black title 'one ulp of "
            "the derivative'\n"
            "unset multiplot\n",
            DBL_EPSILON, DBL_EPSILON);
    fclose(gp);
    paper_plot(&o, "fd-vs-ad.gp");
    if (!ok)
        fprintf(stderr, "fd-vs-ad: A CHECK FAILED (see fd-vs-ad.txt)\n");
    return ok ? 0 : 1;
}
