# gnuplot script written by papers/fd-vs-ad; run: gnuplot fd-vs-ad.gp
set terminal pngcairo size 1300,560 noenhanced
set output 'fd-vs-ad.png'
set multiplot layout 1,2 title 'f(x) = exp(x)/sqrt(sin^3 x + cos^3 x) at x = 1.5: relative error of df/dx against MPFR (errors of 0 drawn at 1e-18)'
set logscale xy
set yrange [1e-18:10]
set format x '%.0e'
set format y '%.0e'
set xlabel 'step h'
set ylabel 'relative error'
set key below
set grid
set arrow 1 from graph 0, first 2.220e-16 to graph 1, first 2.220e-16 nohead dashtype 2
set xrange [1e-20:0.1] reverse
set title 'finite differences and the complex step'
plot 'fd-vs-ad.dat' using 1:2 with linespoints title 'forward difference', \
     '' using 1:3 with linespoints title 'central difference', \
     '' using 1:4 with linespoints title 'complex step', \
     '' using 1:7 with lines dashtype 3 title '5-point (ad_fd_sweep)', \
     1/0 with lines dashtype 2 lc black title 'one ulp of the derivative'
set xrange [1e-300:0.1] reverse
set title 'the complex step down to h = 1e-300'
plot 'fd-vs-ad-cstep.dat' using 1:2 with linespoints lc 3 title 'complex step', \
     1/0 with lines dashtype 2 lc black title 'one ulp of the derivative'
unset multiplot
