# gnuplot script written by papers/hessians; run: gnuplot hessians.gp
set terminal pngcairo size 1200,520 noenhanced
set output 'hessians.png'
set multiplot layout 1,2
set grid
set logscale xy
set xlabel 'n'
set key top left
set ylabel 'time of the Hessian / time of f'
set title 'Dense Hessian: time'
plot 'hessians.dat' using 1:2 with linespoints title 'forward-over-reverse', \
     '' using 1:3 with linespoints title 'hyper-dual', \
     '' using 1:4 with linespoints title 'FD of reverse gradients'
set ylabel 'max |H - R| / max |R|  (R: MPFR, 256 bits)'
set yrange [1e-18:1e-4]
set format y '%.0e'
set key center right
set title 'Dense Hessian: error against MPFR (0 drawn at 1e-18)'
plot 'hessians.dat' using 1:5 with linespoints title 'forward-over-reverse', \
     '' using 1:6 with linespoints title 'hyper-dual', \
     '' using 1:7 with linespoints title 'FD of reverse gradients'
unset multiplot
