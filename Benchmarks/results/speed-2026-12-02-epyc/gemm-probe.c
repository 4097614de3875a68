// fp32 GEMM probe: OpenBLAS sgemm against oneDNN's f32 matmul on BERT's shapes, one thread
// each (swift-bert splits a product over its own pool and runs each part single-threaded).
// C[m,n] = A[m,k] · op(B), B stored [n,k] (transposed, as X·Wᵀ) or [k,n].
// gcc -O2 -fopenmp gemm-probe.c -ldnnl -lopenblas -o gemm-probe && ./gemm-probe
#include <cblas.h>
#include <dnnl.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
#define CHECK(x) do{dnnl_status_t s=(x); if(s!=dnnl_success){printf("fail %s: %d\n",#x,s);exit(1);}}while(0)
extern void openblas_set_num_threads(int); extern char* openblas_get_corename(void);
static void fill(float*p,long n){for(long i=0;i<n;i++)p[i]=((i*7919)%113-56)*0.01f;}
static double blas(long m,long n,long k,int tb,int reps){
  float*A=aligned_alloc(64,m*k*4),*B=aligned_alloc(64,n*k*4),*C=aligned_alloc(64,m*n*4); fill(A,m*k); fill(B,n*k);
  double best=1e9; for(int r=0;r<reps+1;r++){double t0=now();
    cblas_sgemm(CblasRowMajor,CblasNoTrans,tb?CblasTrans:CblasNoTrans,m,n,k,1,A,k,B,tb?k:n,0,C,n);
    double dt=now()-t0; if(r&&dt<best)best=dt;}
  free(A);free(B);free(C); return 2.0*m*n*k/best/1e9;}
static double dnnl(dnnl_engine_t eng,dnnl_stream_t st,long m,long n,long k,int tb,int reps,const char**impl){
  dnnl_memory_desc_t a,b,c; dnnl_dims_t ad={m,k},bd={k,n},cd={m,n},as={k,1},bsn={n,1},bst={1,k},cs={n,1};
  CHECK(dnnl_memory_desc_init_by_strides(&a,2,ad,dnnl_f32,as)); CHECK(dnnl_memory_desc_init_by_strides(&b,2,bd,dnnl_f32,tb?bst:bsn));
  CHECK(dnnl_memory_desc_init_by_strides(&c,2,cd,dnnl_f32,cs)); dnnl_matmul_desc_t d; CHECK(dnnl_matmul_desc_init(&d,&a,&b,NULL,&c));
  dnnl_primitive_desc_t pd; CHECK(dnnl_primitive_desc_create(&pd,&d,NULL,eng,NULL)); dnnl_primitive_desc_query(pd,dnnl_query_impl_info_str,0,impl);
  dnnl_primitive_t p; CHECK(dnnl_primitive_create(&p,pd));
  float*A=aligned_alloc(64,m*k*4),*B=aligned_alloc(64,n*k*4),*C=aligned_alloc(64,m*n*4); fill(A,m*k); fill(B,n*k);
  dnnl_memory_t ma,mb,mc; CHECK(dnnl_memory_create(&ma,&a,eng,A)); CHECK(dnnl_memory_create(&mb,&b,eng,B)); CHECK(dnnl_memory_create(&mc,&c,eng,C));
  dnnl_exec_arg_t args[3]={{DNNL_ARG_SRC,ma},{DNNL_ARG_WEIGHTS,mb},{DNNL_ARG_DST,mc}};
  double best=1e9; for(int r=0;r<reps+1;r++){double t0=now(); CHECK(dnnl_primitive_execute(p,st,3,args)); dnnl_stream_wait(st); double dt=now()-t0; if(r&&dt<best)best=dt;}
  free(A);free(B);free(C); return 2.0*m*n*k/best/1e9;}
int main(void){
  openblas_set_num_threads(1); omp_set_num_threads(1);
  dnnl_engine_t eng; CHECK(dnnl_engine_create(&eng,dnnl_cpu,0)); dnnl_stream_t st; CHECK(dnnl_stream_create(&st,eng,dnnl_stream_default_flags));
  printf("OpenBLAS core %s; one thread each; GFLOPS, best of 4\n", openblas_get_corename());
  // forward X·Wᵀ (B^T), and the backward's dX = dY·W (B) and dW = dYᵀ·X (m = out features)
  long s[][4]={{1024,768,768,1},{1024,3072,768,1},{1024,768,3072,1},{1024,768,3072,0},{768,768,1024,0},
               {184,768,768,1},{184,3072,768,1},{184,768,3072,1},{184,384,384,1},{184,1536,384,1},{184,384,1536,1},{384,384,184,0},{1536,384,184,0}};
  for(int i=0;i<13;i++){const char*impl=""; double g1=blas(s[i][0],s[i][1],s[i][2],s[i][3],3); double g2=dnnl(eng,st,s[i][0],s[i][1],s[i][2],s[i][3],3,&impl);
    printf("m%5ld n%5ld k%5ld %s  openblas %6.1f  onednn %6.1f  [%s]\n",s[i][0],s[i][1],s[i][2],s[i][3]?"B^T":"B  ",g1,g2,impl);}
}
